import type {
  V1ControllerRevision,
  V1DaemonSet,
  V1Deployment,
  V1PodTemplateSpec,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import type { ActionResult } from '../../runbooks/sdk/types';
import { applyOnceTo, type Change, type PatchTarget } from './apply-once';
import { notFoundAsFinal, type AppsV1Api } from './client';
import { rolledOut as deploymentRolledOut } from './deployments';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

/** A workload by kind, namespace and name. */
export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

export type Workload = V1Deployment | V1StatefulSet | V1DaemonSet;

export function describeRef(ref: WorkloadRef): string {
  return `${ref.kind.toLowerCase()} ${ref.namespace}/${ref.name}`;
}

function read(apps: AppsV1Api, ref: WorkloadRef): Promise<Workload> {
  const args = { name: ref.name, namespace: ref.namespace };
  const reading =
    ref.kind === 'Deployment'
      ? apps.readNamespacedDeployment(args)
      : ref.kind === 'StatefulSet'
        ? apps.readNamespacedStatefulSet(args)
        : apps.readNamespacedDaemonSet(args);
  return reading.catch((err: unknown) => notFoundAsFinal(err, describeRef(ref)));
}

function target(apps: AppsV1Api, ref: WorkloadRef): PatchTarget<Workload> {
  return {
    read: () => read(apps, ref),
    patch(ops) {
      const args = { name: ref.name, namespace: ref.namespace, body: ops, fieldManager: 'aiops' };
      if (ref.kind === 'Deployment') return apps.patchNamespacedDeployment(args);
      if (ref.kind === 'StatefulSet') return apps.patchNamespacedStatefulSet(args);
      return apps.patchNamespacedDaemonSet(args);
    },
  };
}

/** applyOnceTo (see apply-once.ts) on a workload of any of the three kinds. */
export function applyOnceToWorkload<D>(
  apps: AppsV1Api,
  ref: WorkloadRef,
  actionId: string,
  decide: (current: Workload) => Change<D> | Promise<Change<D>>,
): Promise<ActionResult<D>> {
  return applyOnceTo(target(apps, ref), actionId, decide);
}

/** As `kubectl rollout status` decides it, for each kind. */
export function rolledOut(kind: WorkloadKind, w: Workload): boolean {
  if (kind === 'Deployment') return deploymentRolledOut(w as V1Deployment);
  const generationSeen = (w.status?.observedGeneration ?? 0) >= (w.metadata?.generation ?? 0);
  if (kind === 'StatefulSet') {
    const s = (w as V1StatefulSet).status;
    const want = (w as V1StatefulSet).spec?.replicas ?? 1;
    return (
      generationSeen &&
      (s?.updatedReplicas ?? 0) >= want &&
      (s?.readyReplicas ?? 0) >= want &&
      s?.currentRevision === s?.updateRevision
    );
  }
  const s = (w as V1DaemonSet).status;
  const want = s?.desiredNumberScheduled ?? 0;
  return (
    generationSeen && (s?.updatedNumberScheduled ?? 0) >= want && (s?.numberAvailable ?? 0) >= want
  );
}

/**
 * Waits for the rollout, heartbeating, until it completes or `deadline` is near; a change whose
 * rollout is incomplete is still applied, and the summary says so.
 */
export async function afterRollout<D>(
  apps: AppsV1Api,
  ref: WorkloadRef,
  deadline: number,
  result: ActionResult<D>,
): Promise<ActionResult<D>> {
  if (!result.changed) return result;
  const ctx = Context.current();
  for (;;) {
    ctx.heartbeat();
    if (rolledOut(ref.kind, await read(apps, ref))) return result;
    if (Date.now() + 1000 > deadline) {
      return { ...result, summary: `${result.summary} (rollout not complete yet)` };
    }
    await ctx.sleep(1000);
  }
}

/** A StatefulSet's or DaemonSet's own ControllerRevisions (by selector and owner), oldest first. */
export async function controllerRevisionsOf(
  apps: AppsV1Api,
  w: V1StatefulSet | V1DaemonSet,
): Promise<V1ControllerRevision[]> {
  const labels = w.spec?.selector?.matchLabels ?? {};
  const list = await apps.listNamespacedControllerRevision({
    namespace: w.metadata?.namespace ?? 'default',
    labelSelector: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  });
  return list.items
    .filter((r) => r.metadata?.ownerReferences?.some((o) => o.uid === w.metadata?.uid))
    .sort((a, b) => a.revision - b.revision);
}

/** The pod template a ControllerRevision holds (as `kubectl rollout undo` restores it). */
export function templateOfRevision(r: V1ControllerRevision): V1PodTemplateSpec {
  const data = r.data as { spec?: { template?: V1PodTemplateSpec & { $patch?: string } } };
  const template = structuredClone(data.spec?.template ?? {});
  delete template.$patch;
  return template;
}
