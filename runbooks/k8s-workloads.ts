import { action, irreversible, type RunbookContext } from './sdk';
import { onCallApproval } from './gates';

/** A workload the runbook acts on, as the actions take it (unnamed namespace: `default`). */
export interface WorkloadTarget<K extends WorkloadKind = WorkloadKind> {
  kind: K;
  namespace: string;
  name: string;
}

type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

/** A StatefulSet or DaemonSet: the workloads rolled back by ControllerRevision. */
export type RevisionedTarget = WorkloadTarget<'StatefulSet' | 'DaemonSet'>;

export function workloadTarget<K extends WorkloadKind>(
  kind: K,
  name: string,
  namespace: string | undefined,
): WorkloadTarget<K> {
  return { kind, namespace: namespace ?? 'default', name };
}

const label = (t: RevisionedTarget) => `${t.kind.toLowerCase()} ${t.namespace}/${t.name}`;

/** Restart of a StatefulSet or DaemonSet (stuck workers, leaks), then recovery is checked. */
export async function restartWorkload(rb: RunbookContext, t: RevisionedTarget, service: string) {
  await rb.approval(onCallApproval('approve', `Restart the pods of ${label(t)}`));
  await rb.step({
    name: 'rollout-restart',
    describe: `rolling restart of ${label(t)}`,
    risk: 'medium',
    timeout: '15 minutes',
    action: action('k8sRestartWorkload', t),
    undo: irreversible('new pods from the same template; there is nothing to put back'),
  });
  await rb.verify({ service, within: '10 minutes' });
}

/** A bad release of a StatefulSet or DaemonSet: back to its previous ControllerRevision. */
export async function rollbackWorkload(rb: RunbookContext, t: RevisionedTarget, service: string) {
  await rb.approval(onCallApproval('approve', `Roll ${label(t)} back to its previous revision`));
  await rb.step({
    name: 'rollback',
    describe: `roll ${label(t)} back to the previous revision`,
    risk: 'medium',
    timeout: '15 minutes',
    action: action('k8sRollbackWorkload', t),
    undo: {
      describe: 'roll forward to the revision it replaced',
      call: (d) => action('k8sRollbackWorkload', { ...t, toRevision: d.fromRevision }),
    },
  });
  await rb.verify({ service, within: '10 minutes' });
}
