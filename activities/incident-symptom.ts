import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Pool } from '../store/db';
import type { IncidentSymptomCheck } from '../runbooks/sdk/symptom-bounds';
import { incidentState } from '../workflows/incident/messages';
import { quietSince } from '../workflows/incident/state';
import type { IncidentStatus } from '../workflows/incident/types';
import { windowBounds } from './investigation';

/** What a runbook needs to know of its incident's symptom before it changes anything. */
export interface IncidentSymptom {
  /** Since when the incident has heard no anomaly that keeps it open (ISO 8601). */
  quietSince: string;
  status: IncidentStatus;
}

/** The incident whose symptom baseline is asked for (times ISO 8601). */
export interface SymptomBaselineRequest {
  incidentId: string;
  /** Where the fault window starts (a lead before the first anomaly). */
  faultStart: string;
  firstAnomalyAt: string;
  baselineMinutes: number;
  /** The incident's services and the one the runbook fixes: the baseline is quiet for them. */
  services: string[];
}

export function createIncidentSymptomActivities({ client, pool }: { client?: Client; pool: Pool }) {
  return {
    /** Reads the running incident's own evidence (its state query), changing nothing. */
    async readIncidentSymptom(incidentWorkflowId: string): Promise<IncidentSymptom> {
      if (!client) {
        throw ApplicationFailure.nonRetryable('no Temporal client configured', 'ClientMissing');
      }
      const state = await client.workflow.getHandle(incidentWorkflowId).query(incidentState);
      return { quietSince: new Date(quietSince(state)).toISOString(), status: state.status };
    },

    /**
     * The baseline a fix is verified against: the investigation's (`windowBounds`), quiet for the
     * incident's services, with the other incidents of those services in it left out. The ten
     * minutes right before the fault often hold the service's previous fault, and a bound taken
     * from that level lets a fix that did nothing pass.
     */
    async symptomBaseline(
      request: SymptomBaselineRequest,
    ): Promise<Omit<IncidentSymptomCheck, 'signals'>> {
      const bounds = await windowBounds(pool, {
        faultStart: new Date(request.faultStart),
        firstAnomalyAt: new Date(request.firstAnomalyAt),
        baselineMs: request.baselineMinutes * 60_000,
        incidentId: request.incidentId,
        services: request.services,
      });
      const iso = (ms: number) => new Date(ms).toISOString();
      return {
        baselineFrom: iso(bounds.baselineStart),
        baselineTo: iso(bounds.faultStart),
        excluded: bounds.others
          .filter((o) => o.from < bounds.faultStart && o.to > bounds.baselineStart)
          .map((o) => ({ from: iso(o.from), to: iso(o.to) })),
      };
    },
  };
}
