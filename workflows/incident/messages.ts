import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CloseRequest, IncidentCandidate, IncidentState } from './types';

/** Detection reports new anomalies of the same fault (also the signal of signal-with-start). */
export const anomaliesObserved = defineSignal<[IncidentCandidate]>('anomaliesObserved');
export const incidentState = defineQuery<IncidentState>('incidentState');
/** An operator closes the incident (from the CLI or the Temporal UI). */
export const closeIncident = defineUpdate<IncidentState, [CloseRequest]>('closeIncident');

export function incidentWorkflowId(fingerprint: string): string {
  return `incident-${fingerprint}`;
}
