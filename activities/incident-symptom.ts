import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { incidentState } from '../workflows/incident/messages';
import { quietSince } from '../workflows/incident/state';
import type { IncidentStatus } from '../workflows/incident/types';

/** What a runbook needs to know of its incident's symptom before it changes anything. */
export interface IncidentSymptom {
  /** Since when the incident has heard no anomaly that keeps it open (ISO 8601). */
  quietSince: string;
  status: IncidentStatus;
}

export function createIncidentSymptomActivities({ client }: { client?: Client }) {
  return {
    /** Reads the running incident's own evidence (its state query), changing nothing. */
    async readIncidentSymptom(incidentWorkflowId: string): Promise<IncidentSymptom> {
      if (!client) {
        throw ApplicationFailure.nonRetryable('no Temporal client configured', 'ClientMissing');
      }
      const state = await client.workflow.getHandle(incidentWorkflowId).query(incidentState);
      return { quietSince: new Date(quietSince(state)).toISOString(), status: state.status };
    },
  };
}
