import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CoreV1Api, PolicyV1Api, V1Node, V1Pod } from '@kubernetes/client-node';
import type { ActionRequest, ActionResult } from '../../runbooks/sdk/types';
import { applyOnceTo } from './apply-once';
import { apiStatusOf, notFoundAsFinal, statusOf } from './client';
import { attemptDeadline, preconditionFailed } from './deployments';

function podName(p: V1Pod): string {
  return `${p.metadata?.namespace ?? 'default'}/${p.metadata?.name ?? ''}`;
}

/** What `kubectl drain` leaves in place: DaemonSet pods (they would come right back), mirror pods. */
function staysOnNode(p: V1Pod): boolean {
  return (
    (p.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet') ||
    p.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined
  );
}

async function blockingBudgets(policy: PolicyV1Api, pod: V1Pod): Promise<string[]> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const labels = pod.metadata?.labels ?? {};
  const pdbs = await policy.listNamespacedPodDisruptionBudget({ namespace });
  return pdbs.items
    .filter((pdb) =>
      Object.entries(pdb.spec?.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v),
    )
    .map((pdb) => `${namespace}/${pdb.metadata?.name ?? ''}`);
}

/** Node actions: cordon (ledger on the Node) and drain (evictions, respecting PDBs). */
export function createNodeActivities(api: () => { core: CoreV1Api; policy: PolicyV1Api }) {
  return {
    /** `kubectl cordon|uncordon`: no new pods are scheduled there. Undone by setting it back. */
    async k8sCordonNode({
      actionId,
      params,
    }: ActionRequest<{ node: string; unschedulable: boolean }>): Promise<
      ActionResult<{ wasUnschedulable: boolean }>
    > {
      const { core } = api();
      const verb = params.unschedulable ? 'cordoned' : 'uncordoned';
      return applyOnceTo<V1Node, { wasUnschedulable: boolean }>(
        {
          read: () =>
            core
              .readNode({ name: params.node })
              .catch((err: unknown) => notFoundAsFinal(err, `node ${params.node}`)),
          patch: (ops) => core.patchNode({ name: params.node, body: ops, fieldManager: 'aiops' }),
        },
        actionId,
        (n) => {
          const wasUnschedulable = n.spec?.unschedulable ?? false;
          if (wasUnschedulable === params.unschedulable) {
            return {
              unchanged: {
                summary: `node ${params.node} already ${verb}`,
                changed: false,
                details: { wasUnschedulable },
              },
            };
          }
          return {
            ops: [{ op: 'add', path: '/spec/unschedulable', value: params.unschedulable }],
            result: {
              summary: `${verb} node ${params.node}`,
              changed: true,
              details: { wasUnschedulable },
            },
          };
        },
      );
    },

    /**
     * `kubectl drain` of a cordoned node: evicts its pods through the eviction API, so every
     * PodDisruptionBudget is honoured; a 429 stops the drain and names the budget. DaemonSet and
     * mirror pods stay; a pod no controller would recreate stops it before anything is evicted.
     * Re-running evicts what is left. Cannot be undone: evicted pods are recreated elsewhere by
     * their controllers (uncordoning lets new ones come back).
     */
    async k8sDrainNode({
      params,
    }: ActionRequest<{ node: string }>): Promise<ActionResult<{ evicted: string[] }>> {
      const { core, policy } = api();
      const ctx = Context.current();
      const deadline = attemptDeadline();
      const n = await core
        .readNode({ name: params.node })
        .catch((err: unknown) => notFoundAsFinal(err, `node ${params.node}`));
      if (!n.spec?.unschedulable) {
        throw preconditionFailed(`node ${params.node} is not cordoned: new pods would land on it`);
      }
      const onNode = async () =>
        (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${params.node}` }))
          .items;
      const pods = (await onNode()).filter(
        (p) => !staysOnNode(p) && !p.metadata?.deletionTimestamp,
      );
      const unmanaged = pods.filter((p) => (p.metadata?.ownerReferences ?? []).length === 0);
      if (unmanaged.length > 0) {
        throw preconditionFailed(
          `node ${params.node} runs pods no controller would recreate (${unmanaged.map(podName).join(', ')}): not draining`,
        );
      }
      const evicted: string[] = [];
      for (const pod of pods) {
        ctx.heartbeat();
        const name = pod.metadata?.name ?? '';
        const namespace = pod.metadata?.namespace ?? 'default';
        try {
          await core.createNamespacedPodEviction({
            name,
            namespace,
            body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
          });
          evicted.push(podName(pod));
        } catch (err) {
          if (statusOf(err) === 404) continue;
          if (statusOf(err) !== 429) throw err;
          const budgets = await blockingBudgets(policy, pod);
          const cause = apiStatusOf(err).details?.causes?.[0]?.message;
          throw ApplicationFailure.nonRetryable(
            `evicting pod ${podName(pod)} would violate PodDisruptionBudget ${budgets.join(', ') || '(unknown)'}${cause ? ` (${cause})` : ''}; drain of node ${params.node} stopped after evicting ${evicted.length} pod(s)${evicted.length ? `: ${evicted.join(', ')}` : ''}`,
            'DisruptionBudget',
          );
        }
      }
      // Evicted pods terminate gracefully; the drain is done when they are gone.
      const gone = new Set(pods.map((p) => p.metadata?.uid));
      while ((await onNode()).some((p) => gone.has(p.metadata?.uid))) {
        if (Date.now() + 1000 > deadline) {
          return {
            summary: `drained node ${params.node}: evicted ${evicted.length} pod(s), some still terminating`,
            changed: evicted.length > 0,
            details: { evicted },
          };
        }
        ctx.heartbeat();
        await ctx.sleep(1000);
      }
      return {
        summary:
          evicted.length === 0
            ? `node ${params.node} has no pods to evict`
            : `drained node ${params.node}: evicted ${evicted.join(', ')}`,
        changed: evicted.length > 0,
        details: { evicted },
      };
    },
  };
}
