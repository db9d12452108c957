import { ApplicationFailure } from '@temporalio/activity';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ActionRequest, ActionResult } from '../../runbooks/sdk/types';
import { createAutoscalerActivities } from './autoscalers';
import {
  appsApi,
  AutoscalingV2Api,
  CoreV1Api,
  notFoundAsFinal,
  PolicyV1Api,
  type AppsV1Api,
} from './client';
import {
  applyOnce,
  attemptDeadline,
  preconditionFailed,
  revisionOf,
  rollbackTargetOf,
  templateOf,
  waitForRollout,
  type DeploymentRef,
} from './deployments';
import { createNodeActivities } from './nodes';
import { createPodActivities } from './pods';
import { targetReplicas, type ReplicaTarget } from './replicas';
import { createWorkloadActivities } from './workload-actions';

export { loadKubeConfig } from './client';
export type { ReplicaTarget };

export interface ScaleParams extends DeploymentRef {
  replicas: ReplicaTarget;
  /** Never scale above this. */
  max?: number;
  /** Act only if the Deployment still has this many replicas (compensations: undo only ours). */
  expect?: number;
}

async function withRollout<D>(
  apps: AppsV1Api,
  ref: DeploymentRef,
  deadline: number,
  result: ActionResult<D>,
): Promise<ActionResult<D>> {
  if (!result.changed || (await waitForRollout(apps, ref, deadline))) return result;
  return { ...result, summary: `${result.summary} (rollout not complete yet)` };
}

/**
 * Kubernetes actions on Deployments (here), StatefulSets and DaemonSets, pods, nodes and HPAs;
 * each applied at most once per action id (see ledger.ts) or idempotent by nature (drain).
 */
export function createKubernetesActivities({ kube }: { kube?: KubeConfig }) {
  const config = (): KubeConfig => {
    if (!kube) throw ApplicationFailure.nonRetryable('no kubeconfig configured', 'NotConfigured');
    return kube;
  };
  const api = (): AppsV1Api => appsApi(config());

  return {
    ...createWorkloadActivities(api),
    ...createPodActivities(() => ({ apps: api(), core: config().makeApiClient(CoreV1Api) })),
    ...createNodeActivities(() => ({
      core: config().makeApiClient(CoreV1Api),
      policy: config().makeApiClient(PolicyV1Api),
    })),
    ...createAutoscalerActivities(() => config().makeApiClient(AutoscalingV2Api)),
    /** `kubectl rollout restart`: new pods with the same template. Nothing to undo. */
    async k8sRolloutRestart({
      actionId,
      params: ref,
    }: ActionRequest<DeploymentRef>): Promise<ActionResult<Record<string, never>>> {
      const apps = api();
      const deadline = attemptDeadline();
      const result = await applyOnce(apps, ref, actionId, (d) => {
        const annotations = d.spec?.template?.metadata?.annotations ?? {};
        return {
          ops: [
            {
              op: 'add',
              path: '/spec/template/metadata/annotations',
              value: {
                ...annotations,
                'kubectl.kubernetes.io/restartedAt': new Date().toISOString(),
              },
            },
          ],
          result: {
            summary: `restarted deployment ${ref.namespace}/${ref.deployment}`,
            changed: true,
            details: {},
          },
        };
      });
      return withRollout(apps, ref, deadline, result);
    },

    /**
     * Reads (changes nothing) the revision a rollback would go back to: the latest one before
     * the current, or null when the Deployment has never had another (nothing to roll back to).
     */
    async k8sReadRollbackTarget({
      params: ref,
    }: ActionRequest<DeploymentRef>): Promise<
      ActionResult<{ current: number; previous: number | null }>
    > {
      const apps = api();
      const name = `${ref.namespace}/${ref.deployment}`;
      const d = await apps
        .readNamespacedDeployment({ name: ref.deployment, namespace: ref.namespace })
        .catch((err: unknown) => notFoundAsFinal(err, `deployment ${name}`));
      const current = revisionOf(d);
      const target = await rollbackTargetOf(apps, d);
      const previous = target ? revisionOf(target) : null;
      return {
        summary:
          previous === null
            ? `deployment ${name} is at revision ${current} and has no earlier one`
            : `deployment ${name} is at revision ${current}; the previous one is ${previous}`,
        changed: false,
        details: { current, previous },
      };
    },

    /**
     * `kubectl rollout undo`: the pod template of an earlier revision (the previous one unless
     * `toRevision`). Undone by rolling back to the revision it replaced (`fromRevision`).
     */
    async k8sRollbackDeployment({
      actionId,
      params,
    }: ActionRequest<DeploymentRef & { toRevision?: number }>): Promise<
      ActionResult<{ fromRevision: number; toRevision: number }>
    > {
      const apps = api();
      const deadline = attemptDeadline();
      const name = `${params.namespace}/${params.deployment}`;
      const result = await applyOnce(apps, params, actionId, async (d) => {
        const current = revisionOf(d);
        const target = await rollbackTargetOf(apps, d, params.toRevision);
        if (!target) {
          throw preconditionFailed(
            params.toRevision === undefined
              ? `deployment ${name} has no revision before ${current}`
              : `deployment ${name} has no revision ${params.toRevision}`,
          );
        }
        return {
          ops: [{ op: 'replace', path: '/spec/template', value: templateOf(target) }],
          result: {
            summary: `rolled deployment ${name} back from revision ${current} to ${revisionOf(target)}`,
            changed: true,
            details: { fromRevision: current, toRevision: revisionOf(target) },
          },
        };
      });
      return withRollout(apps, params, deadline, result);
    },

    /**
     * `kubectl rollout pause|resume`: a paused Deployment keeps its pods while template changes
     * wait (a bad release stops spreading). Undone by setting it back to `wasPaused`.
     */
    async k8sSetRolloutPaused({
      actionId,
      params,
    }: ActionRequest<DeploymentRef & { paused: boolean }>): Promise<
      ActionResult<{ wasPaused: boolean }>
    > {
      const name = `${params.namespace}/${params.deployment}`;
      const verb = params.paused ? 'paused' : 'resumed';
      return applyOnce(api(), params, actionId, (d) => {
        const wasPaused = d.spec?.paused ?? false;
        if (wasPaused === params.paused)
          return {
            unchanged: {
              summary: `deployment ${name} rollout already ${verb}`,
              changed: false,
              details: { wasPaused },
            },
          };
        return {
          ops: [{ op: 'add', path: '/spec/paused', value: params.paused }],
          result: {
            summary: `${verb} the rollout of deployment ${name}`,
            changed: true,
            details: { wasPaused },
          },
        };
      });
    },

    /** Sets the replica count (relative or absolute); undone by setting it back to `from`. */
    async k8sScaleDeployment({
      actionId,
      params,
    }: ActionRequest<ScaleParams>): Promise<ActionResult<{ from: number; to: number }>> {
      const apps = api();
      const deadline = attemptDeadline();
      const name = `${params.namespace}/${params.deployment}`;
      const result = await applyOnce(apps, params, actionId, (d) => {
        const from = d.spec?.replicas ?? 1;
        if (params.expect !== undefined && from !== params.expect) {
          throw preconditionFailed(
            `deployment ${name} has ${from} replicas, expected ${params.expect}: changed by someone else, not touching it`,
          );
        }
        const to = targetReplicas(from, params.replicas, params.max);
        const result = {
          summary: `scaled deployment ${name} from ${from} to ${to} replicas`,
          changed: to !== from,
          details: { from, to },
        };
        return to === from
          ? { unchanged: { ...result, summary: `deployment ${name} already has ${to} replicas` } }
          : { ops: [{ op: 'replace', path: '/spec/replicas', value: to }], result };
      });
      return withRollout(apps, params, deadline, result);
    },
  };
}
