import { createHash, randomUUID } from 'node:crypto';

/**
 * The stand-in's objects beyond Deployments, in the API's own shapes: apps/v1 StatefulSets and
 * DaemonSets with their ControllerRevisions, core/v1 nodes, policy/v1 PodDisruptionBudgets and
 * autoscaling/v2 HorizontalPodAutoscalers. Pods live in the server (shared with evidence).
 */

export type Json = Record<string, unknown>;

export interface Meta {
  name: string;
  namespace?: string;
  uid: string;
  generation: number;
  resourceVersion: string;
  annotations: Record<string, string>;
  labels?: Record<string, string>;
}

/** Any stored object: metadata plus whatever spec and status its kind has. */
export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  spec: Json;
  status: Json;
}

export type WorkloadKind = 'StatefulSet' | 'DaemonSet';

export interface ControllerRevision {
  apiVersion: 'apps/v1';
  kind: 'ControllerRevision';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    ownerReferences: { uid: string; kind: string; name: string; controller: boolean }[];
  };
  /** What the controller restores on rollback: the pod template, marked as a whole replace. */
  data: { spec: { template: Json & { $patch: 'replace' } } };
  revision: number;
}

let resourceVersions = 5000;

export function nextResourceVersion(): string {
  return String(++resourceVersions);
}

export function meta(name: string, namespace?: string, labels?: Record<string, string>): Meta {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    uid: randomUUID(),
    generation: 1,
    resourceVersion: nextResourceVersion(),
    annotations: {},
    ...(labels ? { labels } : {}),
  };
}

function hashOf(template: unknown): string {
  return createHash('sha1').update(JSON.stringify(template)).digest('hex').slice(0, 10);
}

function templateOf(o: StoredObject): Json {
  return o.spec.template as Json;
}

/**
 * StatefulSets' and DaemonSets' revision history as their controllers keep it: a changed pod
 * template becomes the next revision, reusing the ControllerRevision of an identical template.
 */
export class RevisionHistory {
  readonly revisions: ControllerRevision[] = [];

  record(o: StoredObject): ControllerRevision {
    const own = this.revisions.filter((r) => r.metadata.ownerReferences[0]?.uid === o.metadata.uid);
    const next = 1 + Math.max(0, ...own.map((r) => r.revision));
    const hash = hashOf(templateOf(o));
    let rev = own.find((r) => hashOf(withoutPatchMarker(r.data.spec.template)) === hash);
    if (!rev) {
      rev = {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: {
          name: `${o.metadata.name}-${hash}`,
          namespace: o.metadata.namespace ?? 'default',
          labels: { ...selectorOf(o), 'controller.kubernetes.io/hash': hash },
          ownerReferences: [
            { uid: o.metadata.uid, kind: o.kind, name: o.metadata.name, controller: true },
          ],
        },
        data: { spec: { template: { ...structuredClone(templateOf(o)), $patch: 'replace' } } },
        revision: next,
      };
      this.revisions.push(rev);
    }
    rev.revision = next;
    return rev;
  }
}

function withoutPatchMarker(template: Json): Json {
  const copy = { ...template };
  delete copy.$patch;
  return copy;
}

export function selectorOf(o: StoredObject): Record<string, string> {
  return (o.spec.selector as { matchLabels: Record<string, string> }).matchLabels;
}

/** Status as the controller reports a finished rollout of `o`. */
export function settledStatus(o: StoredObject, revision: string, nodes: number): Json {
  const g = o.metadata.generation;
  if (o.kind === 'StatefulSet') {
    const n = o.spec.replicas as number;
    return {
      observedGeneration: g,
      replicas: n,
      readyReplicas: n,
      availableReplicas: n,
      updatedReplicas: n,
      currentReplicas: n,
      currentRevision: revision,
      updateRevision: revision,
    };
  }
  return {
    observedGeneration: g,
    desiredNumberScheduled: nodes,
    currentNumberScheduled: nodes,
    updatedNumberScheduled: nodes,
    numberReady: nodes,
    numberAvailable: nodes,
    numberMisscheduled: 0,
  };
}

/** Status while a rollout of `o` to `revision` has just started: nothing updated yet. */
export function rollingStatus(o: StoredObject, revision: string): Json {
  const g = o.metadata.generation;
  if (o.kind === 'StatefulSet') {
    return { ...o.status, observedGeneration: g, updatedReplicas: 0, updateRevision: revision };
  }
  return { ...o.status, observedGeneration: g, updatedNumberScheduled: 0, numberAvailable: 0 };
}

export function workload(
  kind: WorkloadKind,
  namespace: string,
  name: string,
  opts: { replicas?: number; image: string; memoryLimit?: string },
): StoredObject {
  const labels = { app: name };
  const container: Json = { name, image: opts.image };
  if (opts.memoryLimit) container.resources = { limits: { memory: opts.memoryLimit } };
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: meta(name, namespace),
    spec: {
      ...(kind === 'StatefulSet' ? { replicas: opts.replicas ?? 1, serviceName: name } : {}),
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [container] } },
    },
    status: {},
  };
}

export function node(name: string): StoredObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta(name, undefined, { 'kubernetes.io/hostname': name }),
    spec: {},
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

export function podDisruptionBudget(
  namespace: string,
  name: string,
  opts: { matchLabels: Record<string, string>; minAvailable: number },
): StoredObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(name, namespace),
    spec: { minAvailable: opts.minAvailable, selector: { matchLabels: opts.matchLabels } },
    status: {},
  };
}

export function horizontalPodAutoscaler(
  namespace: string,
  name: string,
  opts: { target: string; minReplicas: number; maxReplicas: number },
): StoredObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(name, namespace),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: opts.target },
      minReplicas: opts.minReplicas,
      maxReplicas: opts.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
    },
    status: { currentReplicas: opts.minReplicas, desiredReplicas: opts.minReplicas },
  };
}
