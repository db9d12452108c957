import { investigate } from './rca/ensemble';
import {
  baselineStartFor,
  buildEvidence,
  faultWindowStart,
  maxBaselineStretch,
} from './rca/evidence';
import type { RootCauseCandidate } from './rca/candidate';
import type { Pool } from '../store/db';
import { incidentPeriods } from '../store/incidents';
import { loadWindowTelemetry } from '../store/investigation-telemetry';
import { latestRemediationTarget, type RemediationTarget } from '../store/remediation-targets';
import {
  findInvestigation,
  saveInvestigation,
  saveInvestigationSummary,
} from '../store/investigations';
import type { InvestigationInput, RankedRootCauses } from '../workflows/investigation/types';

const carriedCandidates = 5;
const carriedEvidenceItems = 5;

/** Candidates small enough to travel in workflow history (the full list is in PostgreSQL). */
function trim(candidates: RootCauseCandidate[]): RootCauseCandidate[] {
  return candidates.slice(0, carriedCandidates).map((c) => ({
    ...c,
    evidence: {
      ...(c.evidence.traceIds && { traceIds: c.evidence.traceIds.slice(0, carriedEvidenceItems) }),
      ...(c.evidence.templates && {
        templates: c.evidence.templates.slice(0, carriedEvidenceItems),
      }),
      ...(c.evidence.metricDeltas && {
        metricDeltas: Object.fromEntries(
          Object.entries(c.evidence.metricDeltas).slice(0, carriedEvidenceItems),
        ),
      }),
    },
  }));
}

/**
 * Ranks root-cause candidates for a fault window against the baseline before it, from the
 * telemetry in PostgreSQL, with every method and their ensemble. Other incidents' periods are
 * left out of the baseline, which reaches further back to stay `baselineMs` long, and the fault
 * window opens only after an other incident whose last anomaly came before `firstAnomalyAt`
 * (its fading symptoms are not this fault's).
 */
export async function rankWindow(
  pool: Pool,
  window: {
    faultStart: Date;
    end: Date;
    baselineMs: number;
    incidentId?: string;
    firstAnomalyAt?: Date;
  },
) {
  const firstAnomaly = window.firstAnomalyAt?.getTime() ?? window.faultStart.getTime();
  const others = await incidentPeriods(pool, {
    from: new Date(window.faultStart.getTime() - maxBaselineStretch * window.baselineMs),
    to: new Date(firstAnomaly),
    exceptIncidentId: window.incidentId,
  });
  const faultStart = faultWindowStart(window.faultStart.getTime(), firstAnomaly, others);
  const baselineStart = baselineStartFor(faultStart, window.baselineMs, others);
  const telemetry = await loadWindowTelemetry(pool, {
    from: new Date(baselineStart),
    to: window.end,
  });
  const evidence = buildEvidence(telemetry.spans, telemetry.logs, telemetry.metrics, {
    baselineStart,
    faultStart,
    end: window.end.getTime(),
    excluded: others,
  });
  return {
    ...investigate(evidence),
    telemetry,
    baselineStart: new Date(baselineStart),
    faultStart: new Date(faultStart),
  };
}

export function createInvestigationActivities({ pool }: { pool: Pool }) {
  return {
    /**
     * Collects the evidence for the fault window against its baseline from PostgreSQL and ranks
     * root-cause candidates with every method and their ensemble. Idempotent per investigation.
     */
    async rankRootCauses(input: InvestigationInput): Promise<RankedRootCauses> {
      const existing = await findInvestigation(pool, input.investigationId);
      const record =
        existing ??
        (await (async () => {
          const end = new Date(input.end);
          const { ranking, members, telemetry, baselineStart, faultStart } = await rankWindow(
            pool,
            {
              faultStart: new Date(input.faultStart),
              end,
              baselineMs: input.baselineMinutes * 60_000,
              incidentId: input.incidentId,
              firstAnomalyAt: input.firstAnomalyAt ? new Date(input.firstAnomalyAt) : undefined,
            },
          );
          const fresh = {
            investigationId: input.investigationId,
            incidentId: input.incidentId,
            baselineStart,
            faultStart,
            end,
            traceSampleRatio: telemetry.traceSampleRatio,
            spans: telemetry.spans.length,
            candidates: ranking,
            members,
          };
          await saveInvestigation(pool, fresh);
          return fresh;
        })());
      return {
        investigationId: record.investigationId,
        candidates: trim(record.candidates),
        spans: record.spans,
        traceSampleRatio: record.traceSampleRatio,
        methods: Object.keys(record.members),
      };
    },

    /** Where the root-cause service runs, so a runbook knows what to act on. */
    async resolveRemediationTarget(service: string): Promise<RemediationTarget> {
      return latestRemediationTarget(pool, service);
    },

    async recordInvestigationSummary(investigationId: string, summary: unknown): Promise<void> {
      await saveInvestigationSummary(pool, investigationId, summary);
    },
  };
}
