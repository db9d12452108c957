import type { V1Deployment, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActionResult } from '../../runbooks/sdk/types';
import { applyOnceTo, type Change } from './apply-once';
import { notFoundAsFinal, type AppsV1Api } from './client';

export interface DeploymentRef {
  namespace: string;
  deployment: string;
}

export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } }): number {
  return Number(obj.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
}

async function read(apps: AppsV1Api, ref: DeploymentRef): Promise<V1Deployment> {
  return apps
    .readNamespacedDeployment({ name: ref.deployment, namespace: ref.namespace })
    .catch((err: unknown) => notFoundAsFinal(err, `deployment ${ref.namespace}/${ref.deployment}`));
}

/** applyOnceTo (see apply-once.ts) on a Deployment. */
export function applyOnce<D>(
  apps: AppsV1Api,
  ref: DeploymentRef,
  actionId: string,
  decide: (current: V1Deployment) => Change<D> | Promise<Change<D>>,
): Promise<ActionResult<D>> {
  return applyOnceTo(
    {
      read: () => read(apps, ref),
      patch: (ops) =>
        apps.patchNamespacedDeployment({
          name: ref.deployment,
          namespace: ref.namespace,
          body: ops,
          fieldManager: 'aiops',
        }),
    },
    actionId,
    decide,
  );
}

/** As `kubectl rollout status` decides it: new pods everywhere, all available, no old ones. */
export function rolledOut(d: V1Deployment): boolean {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
    (s.updatedReplicas ?? 0) >= want &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= want
  );
}

/** 90% of this attempt's start-to-close timeout from now: when a waiting action must report. */
export function attemptDeadline(): number {
  return Date.now() + (Context.current().info.startToCloseTimeoutMs ?? 60_000) * 0.9;
}

/**
 * Waits for the rollout, heartbeating, until it completes or `deadline` is near. Returns whether
 * it completed: an incomplete rollout is still an applied change, which the step's compensation
 * (and the runbook's verification) must deal with.
 */
export async function waitForRollout(
  apps: AppsV1Api,
  ref: DeploymentRef,
  deadline: number,
): Promise<boolean> {
  const ctx = Context.current();
  for (;;) {
    ctx.heartbeat();
    if (rolledOut(await read(apps, ref))) return true;
    if (Date.now() + 1000 > deadline) return false;
    await ctx.sleep(1000);
  }
}

/** The Deployment's own ReplicaSets (by selector and owner), one per revision. */
export async function replicaSetsOf(apps: AppsV1Api, d: V1Deployment): Promise<V1ReplicaSet[]> {
  const labels = d.spec?.selector?.matchLabels ?? {};
  const list = await apps.listNamespacedReplicaSet({
    namespace: d.metadata?.namespace ?? 'default',
    labelSelector: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  });
  return list.items.filter((rs) =>
    rs.metadata?.ownerReferences?.some((o) => o.uid === d.metadata?.uid),
  );
}

/**
 * The ReplicaSet a rollback of `d` goes back to: `toRevision`'s, else the latest revision before
 * the current one; undefined when there is none.
 */
export async function rollbackTargetOf(
  apps: AppsV1Api,
  d: V1Deployment,
  toRevision?: number,
): Promise<V1ReplicaSet | undefined> {
  const current = revisionOf(d);
  return (await replicaSetsOf(apps, d))
    .filter((rs) =>
      toRevision === undefined ? revisionOf(rs) < current : revisionOf(rs) === toRevision,
    )
    .sort((a, b) => revisionOf(b) - revisionOf(a))[0];
}

/** A ReplicaSet's pod template as the Deployment would carry it (without the hash label). */
export function templateOf(rs: V1ReplicaSet): V1PodTemplateSpec {
  const template = structuredClone(rs.spec?.template ?? {});
  if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash'];
  return template;
}

export function preconditionFailed(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'PreconditionFailed');
}
