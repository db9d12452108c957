import { investigate } from './rca/ensemble';
import { buildEvidence } from './rca/evidence';
import type { RootCauseCandidate } from './rca/candidate';
import type { Pool } from '../store/db';
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
          const faultStart = new Date(input.faultStart);
          const end = new Date(input.end);
          const baselineStart = new Date(faultStart.getTime() - input.baselineMinutes * 60_000);
          const telemetry = await loadWindowTelemetry(pool, { from: baselineStart, to: end });
          const evidence = buildEvidence(telemetry.spans, telemetry.logs, telemetry.metrics, {
            baselineStart: baselineStart.getTime(),
            faultStart: faultStart.getTime(),
            end: end.getTime(),
          });
          const { ranking, members } = investigate(evidence);
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
