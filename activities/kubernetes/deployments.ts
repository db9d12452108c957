import type { V1Deployment, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActionResult } from '../../runbooks/sdk/types';
import { notFoundAsFinal, statusOf, type AppsV1Api } from './client';
import { ledgerAnnotation, readLedger, withEntry } from './ledger';

export interface DeploymentRef {
  namespace: string;
  deployment: string;
}

type JsonPatchOp = { op: 'test' | 'add' | 'replace'; path: string; value: unknown };

/** What an action wants done to the Deployment it just read. */
type Change<D> = { ops: JsonPatchOp[]; result: ActionResult<D> } | { unchanged: ActionResult<D> };

/** Lost races (someone else wrote between our read and our patch) before we give up. */
const conflictRetries = 5;

export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } }): number {
  return Number(obj.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
}

async function read(apps: AppsV1Api, ref: DeploymentRef): Promise<V1Deployment> {
  return apps
    .readNamespacedDeployment({ name: ref.deployment, namespace: ref.namespace })
    .catch((err: unknown) => notFoundAsFinal(err, `deployment ${ref.namespace}/${ref.deployment}`));
}

/**
 * Applies one action at most once: re-reads the Deployment, returns the recorded result if the
 * ledger already holds `actionId`, otherwise patches the change together with the ledger entry
 * under a resourceVersion test, so a concurrent writer makes us re-read instead of clobbering.
 */
export async function applyOnce<D>(
  apps: AppsV1Api,
  ref: DeploymentRef,
  actionId: string,
  decide: (current: V1Deployment) => Change<D> | Promise<Change<D>>,
): Promise<ActionResult<D>> {
  for (let attempt = 0; ; attempt++) {
    const current = await read(apps, ref);
    const ledger = readLedger(current.metadata?.annotations);
    const recorded = ledger.find((e) => e.id === actionId);
    if (recorded) {
      return { summary: recorded.summary, changed: true, details: recorded.details as D };
    }
    const change = await decide(current);
    if ('unchanged' in change) return change.unchanged;
    const entry = {
      id: actionId,
      summary: change.result.summary,
      details: change.result.details,
      at: new Date().toISOString(),
    };
    const ops: JsonPatchOp[] = [
      { op: 'test', path: '/metadata/resourceVersion', value: current.metadata?.resourceVersion },
      ...change.ops,
      {
        op: 'add',
        path: '/metadata/annotations',
        value: { ...current.metadata?.annotations, [ledgerAnnotation]: withEntry(ledger, entry) },
      },
    ];
    try {
      await apps.patchNamespacedDeployment({
        name: ref.deployment,
        namespace: ref.namespace,
        body: ops,
        fieldManager: 'aiops',
      });
      return change.result;
    } catch (err) {
      const status = statusOf(err);
      // 409: resourceVersion moved; 422: our test op failed. Either way: re-read and decide again.
      if ((status === 409 || status === 422) && attempt < conflictRetries) continue;
      throw err;
    }
  }
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

/** A ReplicaSet's pod template as the Deployment would carry it (without the hash label). */
export function templateOf(rs: V1ReplicaSet): V1PodTemplateSpec {
  const template = structuredClone(rs.spec?.template ?? {});
  if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash'];
  return template;
}

export function preconditionFailed(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'PreconditionFailed');
}
