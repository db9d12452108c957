import type { Client } from '@temporalio/client';
import { anomaliesObserved, incidentWorkflowId } from '../workflows/incident/messages';
import type { IncidentCandidate } from '../workflows/incident/types';

export interface IncidentStartOptions {
  taskQueue: string;
  quietPeriodSeconds: number;
  faultEvidenceSeconds?: number;
}

/**
 * Opens the incident for this fault, or attaches the anomalies to the one already open:
 * signal-with-start on the fingerprint's workflow id makes both one atomic call.
 */
export async function signalIncident(
  client: Client,
  candidate: IncidentCandidate,
  opts: IncidentStartOptions,
): Promise<string> {
  const workflowId = incidentWorkflowId(candidate.fingerprint);
  const signals = [...new Set(candidate.anomalies.map((a) => a.signal))].join(', ');
  await client.workflow.signalWithStart('incidentWorkflow', {
    workflowId,
    taskQueue: opts.taskQueue,
    args: [
      {
        fingerprint: candidate.fingerprint,
        quietPeriodSeconds: opts.quietPeriodSeconds,
        ...(opts.faultEvidenceSeconds !== undefined && {
          faultEvidenceSeconds: opts.faultEvidenceSeconds,
        }),
      },
    ],
    signal: anomaliesObserved,
    signalArgs: [candidate],
    staticSummary: `Incident on ${candidate.service}: ${signals}`,
    staticDetails: `Opened by detection for anomalies on ${candidate.services.join(', ')}.`,
  });
  return workflowId;
}
