// undici (under @kubernetes/client-node) needs these gaps filled on Node 20: load first.
import '../undici-node20';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { appsApi, statusOf } from './client';
import { replicaSetsOf } from './deployments';

/** One container's state, as Kubernetes reports why it is not well. */
export interface ContainerEvidence {
  pod: string;
  container: string;
  ready: boolean;
  restarts: number;
  /** e.g. CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError. */
  waitingReason?: string;
  /** The previous run's end: e.g. OOMKilled (exit 137), Error. */
  lastTermination?: { reason: string; exitCode: number; finishedAt?: string };
}

export interface WorkloadEvidence {
  namespace: string;
  deployment: string;
  pods: { name: string; phase: string; reason?: string }[];
  containers: ContainerEvidence[];
  /** Warning events of the window about the Deployment or its pods. */
  events: { object: string; reason: string; message: string; count: number; at?: string }[];
  /** Revisions created in the window (a release or a rollback just before the fault). */
  rollouts: { revision: number; replicaSet: string; at: string }[];
}

/**
 * Kubernetes' own account of a service's workload (its Deployment of the same name): pod phases,
 * container restarts and last termination reasons, Warning events and rollouts since `since`.
 * Undefined when the Deployment does not exist (the service does not run there).
 */
export async function workloadEvidence(
  kc: KubeConfig,
  ref: { namespace: string; deployment: string },
  since: Date,
): Promise<WorkloadEvidence | undefined> {
  const apps = appsApi(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const d = await apps
    .readNamespacedDeployment({ name: ref.deployment, namespace: ref.namespace })
    .catch((err: unknown) => {
      if (statusOf(err) === 404) return undefined;
      throw err;
    });
  if (!d) return undefined;
  const labelSelector = Object.entries(d.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const [pods, events, replicaSets] = await Promise.all([
    core.listNamespacedPod({ namespace: ref.namespace, labelSelector }),
    core.listNamespacedEvent({ namespace: ref.namespace }),
    replicaSetsOf(apps, d),
  ]);
  const podNames = new Set(pods.items.map((p) => p.metadata?.name ?? ''));
  const about = (name: string | undefined) =>
    name !== undefined && (name === ref.deployment || podNames.has(name));
  return {
    ...ref,
    pods: pods.items.map((p) => ({
      name: p.metadata?.name ?? '',
      phase: p.status?.phase ?? 'Unknown',
      ...(p.status?.reason ? { reason: p.status.reason } : {}),
    })),
    containers: pods.items.flatMap(containersOf),
    events: events.items
      .filter((e) => e.type === 'Warning' && about(e.involvedObject.name))
      .map((e) => ({
        object: e.involvedObject.name ?? '',
        reason: e.reason ?? '',
        message: e.message ?? '',
        count: e.count ?? 1,
        at: timeOf(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp),
      }))
      .filter((e) => e.at === undefined || Date.parse(e.at) >= since.getTime()),
    rollouts: replicaSets
      .map((rs) => ({
        revision: Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0),
        replicaSet: rs.metadata?.name ?? '',
        at: timeOf(rs.metadata?.creationTimestamp) ?? '',
      }))
      .filter((r) => r.at && Date.parse(r.at) >= since.getTime())
      .sort((a, b) => a.revision - b.revision),
  };
}

function containersOf(p: V1Pod): ContainerEvidence[] {
  return (p.status?.containerStatuses ?? []).map((c) => {
    const last = c.lastState?.terminated;
    return {
      pod: p.metadata?.name ?? '',
      container: c.name,
      ready: c.ready,
      restarts: c.restartCount,
      ...(c.state?.waiting?.reason ? { waitingReason: c.state.waiting.reason } : {}),
      ...(last
        ? {
            lastTermination: {
              reason: last.reason ?? 'Unknown',
              exitCode: last.exitCode,
              ...(last.finishedAt ? { finishedAt: timeOf(last.finishedAt) } : {}),
            },
          }
        : {}),
    };
  });
}

/** The client turns RFC 3339 strings into Dates; either way, ISO-8601 out. */
function timeOf(t: Date | string | undefined | null): string | undefined {
  if (t === undefined || t === null) return undefined;
  const d = t instanceof Date ? t : new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * What the workload says about the kind of fault: an OOMKilled container is a memory fault
 * there; restarts or a crash loop without it, errors; none: undefined.
 */
export function workloadSuggests(e: WorkloadEvidence): 'memory' | 'errors' | undefined {
  if (e.containers.some((c) => c.lastTermination?.reason === 'OOMKilled')) return 'memory';
  if (e.containers.some((c) => c.restarts > 0 || c.waitingReason === 'CrashLoopBackOff'))
    return 'errors';
  return undefined;
}
