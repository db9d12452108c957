import type { V1Container, V1DaemonSet, V1StatefulSet } from '@kubernetes/client-node';
import type { ActionRequest, ActionResult } from '../../runbooks/sdk/types';
import type { AppsV1Api } from './client';
import { attemptDeadline, preconditionFailed } from './deployments';
import { type ReplicaTarget, targetReplicas } from './replicas';
import { formatCpu, formatMemory, parseQuantity } from './quantity';
import {
  afterRollout,
  applyOnceToWorkload,
  controllerRevisionsOf,
  describeRef,
  templateOfRevision,
  type WorkloadRef,
} from './workloads';

/** The kinds whose revisions are ControllerRevisions (Deployments keep ReplicaSets). */
export type RevisionedRef = WorkloadRef & { kind: 'StatefulSet' | 'DaemonSet' };

/** A container's limits as the API writes them; absent: no limit. */
export interface Limits {
  cpu?: string;
  memory?: string;
}

/** Set a limit (null: remove it), or raise it by a factor up to a ceiling. */
export type LimitChange = { set: string | null } | { multiply: number; max: string };

export interface SetLimitsParams extends WorkloadRef {
  /** The container by name; default: the pod's first container. */
  container?: string;
  limits: { cpu?: LimitChange; memory?: LimitChange };
  /** Act only if the limits still are these (compensations: undo only ours). */
  expect?: Limits;
}

function changedLimit(
  resource: 'cpu' | 'memory',
  current: string | undefined,
  change: LimitChange,
  what: string,
): string | undefined {
  if ('set' in change) return change.set ?? undefined;
  if (current === undefined) {
    throw preconditionFailed(`${what} has no ${resource} limit to raise`);
  }
  const format = resource === 'memory' ? formatMemory : formatCpu;
  const raised = Math.min(parseQuantity(current) * change.multiply, parseQuantity(change.max));
  // Never lower a limit while "raising" it (a ceiling below the current value).
  return raised <= parseQuantity(current) ? current : format(raised);
}

function sameLimits(a: Limits, b: Limits): boolean {
  return a.cpu === b.cpu && a.memory === b.memory;
}

/** Actions on StatefulSets and DaemonSets, and on the containers of any workload. */
export function createWorkloadActivities(api: () => AppsV1Api) {
  return {
    /** `kubectl rollout restart` of a StatefulSet or DaemonSet: new pods, same template. */
    async k8sRestartWorkload({
      actionId,
      params: ref,
    }: ActionRequest<RevisionedRef>): Promise<ActionResult<Record<string, never>>> {
      const apps = api();
      const deadline = attemptDeadline();
      const result = await applyOnceToWorkload(apps, ref, actionId, (w) => ({
        ops: [
          {
            op: 'add',
            path: '/spec/template/metadata/annotations',
            value: {
              ...w.spec?.template?.metadata?.annotations,
              'kubectl.kubernetes.io/restartedAt': new Date().toISOString(),
            },
          },
        ],
        result: { summary: `restarted ${describeRef(ref)}`, changed: true, details: {} },
      }));
      return afterRollout(apps, ref, deadline, result);
    },

    /**
     * `kubectl rollout undo` of a StatefulSet or DaemonSet: the pod template of an earlier
     * ControllerRevision (the previous one unless `toRevision`). Undone by rolling back to the
     * revision it replaced (`fromRevision`).
     */
    async k8sRollbackWorkload({
      actionId,
      params,
    }: ActionRequest<RevisionedRef & { toRevision?: number }>): Promise<
      ActionResult<{ fromRevision: number; toRevision: number }>
    > {
      const apps = api();
      const deadline = attemptDeadline();
      const what = describeRef(params);
      const result = await applyOnceToWorkload(apps, params, actionId, async (w) => {
        const revisions = await controllerRevisionsOf(apps, w as V1StatefulSet | V1DaemonSet);
        const current = revisions.at(-1);
        const target =
          params.toRevision === undefined
            ? revisions.at(-2)
            : revisions.find((r) => r.revision === params.toRevision);
        if (!current || !target) {
          throw preconditionFailed(
            params.toRevision === undefined
              ? `${what} has no revision before ${current?.revision ?? 0}`
              : `${what} has no revision ${params.toRevision}`,
          );
        }
        return {
          ops: [{ op: 'replace', path: '/spec/template', value: templateOfRevision(target) }],
          result: {
            summary: `rolled ${what} back from revision ${current.revision} to ${target.revision}`,
            changed: true,
            details: { fromRevision: current.revision, toRevision: target.revision },
          },
        };
      });
      return afterRollout(apps, params, deadline, result);
    },

    /**
     * Sets a StatefulSet's replica count (relative or absolute); undone by setting it back to
     * `from`. (DaemonSets run one pod per node: there is nothing to scale.)
     */
    async k8sScaleStatefulSet({
      actionId,
      params,
    }: ActionRequest<
      Omit<WorkloadRef, 'kind'> & { replicas: ReplicaTarget; max?: number; expect?: number }
    >): Promise<ActionResult<{ from: number; to: number }>> {
      const apps = api();
      const deadline = attemptDeadline();
      const ref: WorkloadRef = { ...params, kind: 'StatefulSet' };
      const what = describeRef(ref);
      const result = await applyOnceToWorkload(apps, ref, actionId, (w) => {
        const from = (w as V1StatefulSet).spec?.replicas ?? 1;
        if (params.expect !== undefined && from !== params.expect) {
          throw preconditionFailed(
            `${what} has ${from} replicas, expected ${params.expect}: changed by someone else, not touching it`,
          );
        }
        const to = targetReplicas(from, params.replicas, params.max);
        const result = {
          summary: `scaled ${what} from ${from} to ${to} replicas`,
          changed: to !== from,
          details: { from, to },
        };
        return to === from
          ? { unchanged: { ...result, summary: `${what} already has ${to} replicas` } }
          : { ops: [{ op: 'replace', path: '/spec/replicas', value: to }], result };
      });
      return afterRollout(apps, ref, deadline, result);
    },

    /**
     * Sets or raises one container's CPU/memory limits; the new template rolls out, so the pods
     * restart with them. Undone by setting back the limits it found (`from`), unless changed since.
     */
    async k8sSetResourceLimits({
      actionId,
      params,
    }: ActionRequest<SetLimitsParams>): Promise<
      ActionResult<{ container: string; from: Limits; to: Limits }>
    > {
      const apps = api();
      const deadline = attemptDeadline();
      const what = describeRef(params);
      const result = await applyOnceToWorkload(apps, params, actionId, (w) => {
        const containers: V1Container[] = w.spec?.template?.spec?.containers ?? [];
        const index =
          params.container === undefined
            ? 0
            : containers.findIndex((c) => c.name === params.container);
        const container = containers[index];
        if (!container) {
          throw preconditionFailed(`${what} has no container ${params.container ?? ''}`.trim());
        }
        const limits = (container.resources?.limits ?? {}) as Record<string, string>;
        const from: Limits = {
          ...(limits.cpu ? { cpu: limits.cpu } : {}),
          ...(limits.memory ? { memory: limits.memory } : {}),
        };
        if (params.expect && !sameLimits(from, params.expect)) {
          throw preconditionFailed(
            `${what} container ${container.name} limits are ${JSON.stringify(from)}, expected ${JSON.stringify(params.expect)}: changed by someone else, not touching them`,
          );
        }
        const to: Limits = { ...from };
        for (const resource of ['cpu', 'memory'] as const) {
          const change = params.limits[resource];
          if (!change) continue;
          const value = changedLimit(
            resource,
            from[resource],
            change,
            `${what} container ${container.name}`,
          );
          if (value === undefined) delete to[resource];
          else to[resource] = value;
        }
        const written: Record<string, string> = { ...limits };
        for (const resource of ['cpu', 'memory'] as const) {
          if (to[resource] === undefined) delete written[resource];
          else written[resource] = to[resource];
        }
        const shown = (l: Limits) => `cpu ${l.cpu ?? 'none'}, memory ${l.memory ?? 'none'}`;
        const details = { container: container.name, from, to };
        if (sameLimits(from, to)) {
          return {
            unchanged: {
              summary: `${what} container ${container.name} already has limits ${shown(to)}`,
              changed: false,
              details,
            },
          };
        }
        return {
          ops: [
            {
              op: 'add',
              path: `/spec/template/spec/containers/${index}/resources`,
              value: { ...container.resources, limits: written },
            },
          ],
          result: {
            summary: `set ${what} container ${container.name} limits from ${shown(from)} to ${shown(to)}`,
            changed: true,
            details,
          },
        };
      });
      return afterRollout(apps, params, deadline, result);
    },
  };
}
