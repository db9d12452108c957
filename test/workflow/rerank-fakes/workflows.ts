import type {
  InvestigationInput,
  InvestigationResult,
} from '../../../workflows/investigation/types';
import type { RunbookInput, RunbookResult } from '../../../runbooks/sdk/types';

/**
 * The incident workflow with stand-ins for its children: an investigation whose ranking depends
 * on the scenario the incident id starts with and on whether it ranks the opening's window or
 * the matured one (its id ends in `-matured`), and runbooks that succeed at once.
 */
export { incidentWorkflow } from '../../../workflows/incident/workflow';

const rankings: Record<
  string,
  { opening: [string, number][]; matured: [string, number][]; firstPicks?: Record<string, string> }
> = {
  /** A close call at opening; the matured window names the other service. */
  revise: {
    opening: [
      ['order', 0.3],
      ['travel', 0.25],
    ],
    matured: [
      ['travel', 0.5],
      ['order', 0.2],
    ],
  },
  /** A clear lead at opening, two members' first pick. */
  decisive: {
    opening: [
      ['order', 0.6],
      ['travel', 0.2],
    ],
    matured: [['travel', 0.9]],
    firstPicks: { baro: 'order', gnn: 'order', logs: 'travel' },
  },
  /** A clear lead at opening for the incident's service, but one member's first pick alone. */
  lone: {
    opening: [
      ['order', 0.6],
      ['travel', 0.2],
    ],
    matured: [['travel', 0.9]],
    firstPicks: { baro: 'order', gnn: 'travel', logs: 'auth' },
  },
  /** A clear lead at opening for a service the incident's anomalies never named (it is on order). */
  unnamed: {
    opening: [
      ['travel', 0.6],
      ['order', 0.2],
    ],
    matured: [['order', 0.9]],
  },
  /** A close call at opening, for an incident that goes quiet long before its window matures. */
  quiet: {
    opening: [
      ['order', 0.3],
      ['travel', 0.25],
    ],
    matured: [['travel', 0.9]],
  },
};

export async function investigationWorkflow(
  input: InvestigationInput,
): Promise<InvestigationResult> {
  const scenario = Object.keys(rankings).find((s) => input.incidentId?.startsWith(`${s}-`));
  const ranking = rankings[scenario ?? 'revise']!;
  const ranked = input.investigationId.endsWith('-matured') ? ranking.matured : ranking.opening;
  return {
    ranked: {
      investigationId: input.investigationId,
      candidates: ranked.map(
        ([service, score]) => ({ service, kind: 'logs', score, evidence: {} }) as never,
      ),
      spans: 0,
      traceSampleRatio: 1,
      methods: [],
      ...(ranking.firstPicks && { firstPicks: ranking.firstPicks }),
    },
    similarIncidents: [],
    summary: { summary: `${ranked[0]![0]} logs new errors`, recommendedRunbook: null } as never,
    notes: [],
  };
}

function standIn(name: string, version: number) {
  return async (input: RunbookInput): Promise<RunbookResult> => {
    void input;
    return {
      outcome: 'succeeded',
      runbook: { name, version },
      plan: [],
      steps: [
        {
          name: 'act',
          activity: 'x',
          risk: 'low',
          actionId: 'a',
          startedAt: new Date().toISOString(),
          status: 'succeeded',
        },
      ],
      approvals: [],
    };
  };
}

export const k8sRollbackV2 = standIn('k8s-rollback', 2);
export const k8sRolloutRestartV1 = standIn('k8s-rollout-restart', 1);
export const notifyOnlyV1 = standIn('notify-only', 1);
