import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { ActionRequest, ActionResult } from '../../runbooks/sdk/types';
import type { AppsV1Api } from './client';
import { statusOf } from './client';
import { applyOnceToWorkload, describeRef, type WorkloadRef } from './workloads';

/** A container of the pod waits in CrashLoopBackOff (kubelet backs off restarting it). */
export function crashLooping(pod: V1Pod): boolean {
  return (pod.status?.containerStatuses ?? []).some(
    (c) => c.state?.waiting?.reason === 'CrashLoopBackOff',
  );
}

export function labelSelectorOf(matchLabels: Record<string, string> | undefined): string {
  return Object.entries(matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Pod actions; the workload owning the pods keeps the action's ledger entry. */
export function createPodActivities(api: () => { apps: AppsV1Api; core: CoreV1Api }) {
  return {
    /**
     * Deletes a workload's crash-looping pods (at most `max`), so its controller starts them
     * afresh, possibly elsewhere: for a pod stuck on a bad node, volume or cached state. The
     * pods chosen are written to the workload's ledger first, then deleted by uid, so a retry
     * deletes exactly those (already gone: fine) and never their replacements. Cannot be undone:
     * a deleted pod is gone; its controller replaces it.
     */
    async k8sDeleteCrashLoopingPods({
      actionId,
      params,
    }: ActionRequest<WorkloadRef & { max: number }>): Promise<
      ActionResult<{ pods: { name: string; uid: string }[] }>
    > {
      const { apps, core } = api();
      const what = describeRef(params);
      const result = await applyOnceToWorkload(apps, params, actionId, async (w) => {
        const list = await core.listNamespacedPod({
          namespace: params.namespace,
          labelSelector: labelSelectorOf(w.spec?.selector?.matchLabels),
        });
        const pods = list.items
          .filter((p) => crashLooping(p) && !p.metadata?.deletionTimestamp)
          .slice(0, params.max)
          .map((p) => ({ name: p.metadata?.name ?? '', uid: p.metadata?.uid ?? '' }));
        if (pods.length === 0) {
          return {
            unchanged: {
              summary: `${what} has no crash-looping pods`,
              changed: false,
              details: { pods },
            },
          };
        }
        return {
          ops: [],
          result: {
            summary: `deleted crash-looping pod(s) ${pods.map((p) => p.name).join(', ')} of ${what}`,
            changed: true,
            details: { pods },
          },
        };
      });
      for (const pod of result.details.pods) {
        await core
          .deleteNamespacedPod({
            name: pod.name,
            namespace: params.namespace,
            body: { preconditions: { uid: pod.uid } },
          })
          .catch((err: unknown) => {
            // 404: already gone; 409: the name now belongs to its replacement (StatefulSets).
            const status = statusOf(err);
            if (status !== 404 && status !== 409) throw err;
          });
      }
      return result;
    },
  };
}
