import type { InvestigationResult } from '../../../workflows/investigation/types';
import type { RunbookInput, RunbookOutcome, RunbookResult } from '../../../runbooks/sdk/types';

/**
 * The incident workflow with stand-ins for its children: an investigation that blames `cart`
 * with kind `logs`, and the three runbooks that fit it (rollback, restart, notify-only), each
 * ending as the scenario named in the incident id says, so tests see which remedies it tries.
 * A run that succeeds made one change, when it started (or `lateMs` after: a run whose first
 * change came that long after the incident's last anomaly, e.g. behind a slow approval).
 */
export { incidentWorkflow } from '../../../workflows/incident/workflow';

const scenarios: Record<string, Record<string, RunbookOutcome>> = {
  /** The rollback finds nothing to roll back to; the restart works. */
  next: { 'k8s-rollback': 'not_applicable', 'k8s-rollout-restart': 'succeeded' },
  /** Every remedy fails. */
  allfail: {
    'k8s-rollback': 'failed',
    'k8s-rollout-restart': 'rolled_back',
    'notify-only': 'failed',
  },
  /** A human rejected the rollback. */
  rejected: { 'k8s-rollback': 'rejected' },
  /** The rollback found the symptom cleared before its first change. */
  cleared: { 'k8s-rollback': 'not_needed' },
  /** The rollback succeeded, its change made well after the fault's last anomaly. */
  late: { 'k8s-rollback': 'succeeded' },
};
const lateMs = 31_000;

export async function investigationWorkflow(): Promise<InvestigationResult> {
  return {
    ranked: {
      investigationId: 'fake',
      candidates: [{ service: 'cart', kind: 'logs', score: 0.9, evidence: {} } as never],
      spans: 0,
      traceSampleRatio: 1,
      methods: [],
    },
    similarIncidents: [],
    summary: { summary: 'cart logs new errors', recommendedRunbook: null } as never,
    notes: [],
  };
}

function standIn(name: string, version: number) {
  return async (input: RunbookInput): Promise<RunbookResult> => {
    const scenario = Object.keys(scenarios).find((s) => input.incidentId.startsWith(`${s}-`));
    const outcome = scenarios[scenario ?? '']?.[name] ?? 'succeeded';
    const startedAt = new Date(Date.now() + (scenario === 'late' ? lateMs : 0)).toISOString();
    return {
      outcome,
      runbook: { name, version },
      ...(outcome !== 'succeeded' && { reason: `${name} stand-in: ${outcome}` }),
      plan: [],
      steps:
        outcome === 'succeeded'
          ? [
              {
                name: 'act',
                activity: 'x',
                risk: 'low',
                actionId: 'a',
                startedAt,
                status: 'succeeded',
              },
            ]
          : [],
      approvals: [],
    };
  };
}

export const k8sRollbackV2 = standIn('k8s-rollback', 2);
export const k8sRolloutRestartV1 = standIn('k8s-rollout-restart', 1);
export const notifyOnlyV1 = standIn('notify-only', 1);
