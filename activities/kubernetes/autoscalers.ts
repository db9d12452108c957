import type { AutoscalingV2Api, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { ActionRequest, ActionResult } from '../../runbooks/sdk/types';
import { applyOnceTo, type JsonPatchOp } from './apply-once';
import { notFoundAsFinal } from './client';
import { preconditionFailed } from './deployments';
import { targetReplicas, type ReplicaTarget } from './replicas';

export interface HpaBounds {
  min: number;
  max: number;
}

export interface HpaBoundsParams {
  namespace: string;
  hpa: string;
  min?: ReplicaTarget;
  max?: ReplicaTarget;
  /** Neither bound goes above this. */
  ceiling?: number;
  /** Act only if the bounds still are these (compensations: undo only ours). */
  expect?: HpaBounds;
}

/** Actions on autoscaling/v2 HorizontalPodAutoscalers (ledger on the HPA). */
export function createAutoscalerActivities(api: () => AutoscalingV2Api) {
  return {
    /**
     * Moves an HPA's minReplicas/maxReplicas (relative or absolute, at most `ceiling`, min never
     * above max). Undone by setting back the bounds it found, unless changed since.
     */
    async k8sSetHpaBounds({
      actionId,
      params,
    }: ActionRequest<HpaBoundsParams>): Promise<ActionResult<{ from: HpaBounds; to: HpaBounds }>> {
      const autoscaling = api();
      const what = `hpa ${params.namespace}/${params.hpa}`;
      const ref = { name: params.hpa, namespace: params.namespace };
      return applyOnceTo<V2HorizontalPodAutoscaler, { from: HpaBounds; to: HpaBounds }>(
        {
          read: () =>
            autoscaling
              .readNamespacedHorizontalPodAutoscaler(ref)
              .catch((err: unknown) => notFoundAsFinal(err, what)),
          patch: (ops) =>
            autoscaling.patchNamespacedHorizontalPodAutoscaler({
              ...ref,
              body: ops,
              fieldManager: 'aiops',
            }),
        },
        actionId,
        (h) => {
          const from = { min: h.spec?.minReplicas ?? 1, max: h.spec?.maxReplicas ?? 1 };
          if (params.expect && (params.expect.min !== from.min || params.expect.max !== from.max)) {
            throw preconditionFailed(
              `${what} bounds are ${from.min}-${from.max}, expected ${params.expect.min}-${params.expect.max}: changed by someone else, not touching them`,
            );
          }
          const max = params.max ? targetReplicas(from.max, params.max, params.ceiling) : from.max;
          const min = Math.min(
            max,
            params.min ? targetReplicas(from.min, params.min, params.ceiling) : from.min,
          );
          const to = { min: Math.max(1, min), max: Math.max(1, max) };
          const details = { from, to };
          if (to.min === from.min && to.max === from.max) {
            return {
              unchanged: {
                summary: `${what} already has bounds ${to.min}-${to.max}`,
                changed: false,
                details,
              },
            };
          }
          const ops: JsonPatchOp[] = [
            { op: 'add', path: '/spec/minReplicas', value: to.min },
            { op: 'replace', path: '/spec/maxReplicas', value: to.max },
          ];
          return {
            ops,
            result: {
              summary: `set ${what} bounds from ${from.min}-${from.max} to ${to.min}-${to.max} replicas`,
              changed: true,
              details,
            },
          };
        },
      );
    },
  };
}
