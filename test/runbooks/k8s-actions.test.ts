import '../../activities/undici-node20';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubernetesActivities, loadKubeConfig } from '../../activities/kubernetes';
import { startK8sStandin, type K8sStandin } from '../k8s-standin/server';
import { kubeConfigFor } from './harness';

type Activities = ReturnType<typeof createKubernetesActivities>;

/**
 * The Kubernetes actions through @kubernetes/client-node against the stand-in API server (no
 * real API server can run here): each acts once per action id, reports what its undo needs, and
 * the undo puts the object back.
 */
describe('Kubernetes actions on the stand-in', () => {
  let k8s: K8sStandin;
  let acts: Activities;
  const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 20_000 });
  const run = <P, R>(
    fn: (req: { actionId: string; params: P }) => Promise<R>,
    id: string,
    params: P,
  ): Promise<R> => env.run(fn, { actionId: id, params });

  beforeAll(async () => {
    k8s = await startK8sStandin({ rolloutDelayMs: 50 });
    acts = createKubernetesActivities({ kube: loadKubeConfig((await kubeConfigFor(k8s)).path) });
  });
  afterAll(() => k8s?.close());

  const image = (o: { spec: Record<string, unknown> } | undefined) =>
    (o?.spec.template as { spec: { containers: { image: string }[] } }).spec.containers[0]?.image;

  it('rolls a StatefulSet back by its ControllerRevisions, once per action id, and forward again', async () => {
    k8s.addWorkload('StatefulSet', 'data', 'kafka', { replicas: 3, image: 'kafka:3.6' });
    k8s.releaseWorkload('StatefulSet', 'data', 'kafka', 'kafka:3.7');
    const ref = { kind: 'StatefulSet' as const, namespace: 'data', name: 'kafka' };
    const back = await run(acts.k8sRollbackWorkload, 'a/1/rollback', ref);
    expect(back).toMatchObject({ changed: true, details: { fromRevision: 2, toRevision: 1 } });
    expect(image(k8s.workload('StatefulSet', 'data', 'kafka'))).toBe('kafka:3.6');
    const patches = k8s.patches.length;
    // A retry of the same step finds its ledger entry and does nothing more.
    expect(await run(acts.k8sRollbackWorkload, 'a/1/rollback', ref)).toEqual(back);
    expect(k8s.patches.length).toBe(patches);
    // The undo: the revision it replaced (now 2 → revision 4 of the same template).
    await run(acts.k8sRollbackWorkload, 'a/1/undo', { ...ref, toRevision: 2 });
    expect(image(k8s.workload('StatefulSet', 'data', 'kafka'))).toBe('kafka:3.7');
  });

  it('restarts a DaemonSet and waits for its rollout; rolls it back; one with a single revision cannot', async () => {
    k8s.addNode('node-a');
    k8s.addWorkload('DaemonSet', 'kube-system', 'log-agent', { image: 'fluent-bit:3' });
    const ref = { kind: 'DaemonSet' as const, namespace: 'kube-system', name: 'log-agent' };
    expect(await run(acts.k8sRestartWorkload, 'b/1/restart', ref)).toMatchObject({
      summary: 'restarted daemonset kube-system/log-agent',
    });
    const ds = k8s.workload('DaemonSet', 'kube-system', 'log-agent');
    expect(ds?.status).toMatchObject({ updatedNumberScheduled: 1, numberAvailable: 1 });
    // The restart made revision 2; rolling back returns to the template without it.
    expect(await run(acts.k8sRollbackWorkload, 'b/1/rollback', ref)).toMatchObject({
      details: { fromRevision: 2, toRevision: 1 },
    });
    k8s.addWorkload('DaemonSet', 'kube-system', 'node-exporter', { image: 'node-exporter:1' });
    await expect(
      run(acts.k8sRollbackWorkload, 'b/2/rollback', { ...ref, name: 'node-exporter' }),
    ).rejects.toThrow('daemonset kube-system/node-exporter has no revision before 1');
  });

  it('reads the revision a Deployment rollback would return to, changing nothing', async () => {
    k8s.addDeployment('shop', 'quotes', { replicas: 2, image: 'quotes:1' });
    const ref = { namespace: 'shop', deployment: 'quotes' };
    const patches = k8s.patches.length;
    expect(await run(acts.k8sReadRollbackTarget, 'r/1/read', ref)).toEqual({
      summary: 'deployment shop/quotes is at revision 1 and has no earlier one',
      changed: false,
      details: { current: 1, previous: null },
    });
    k8s.release('shop', 'quotes', 'quotes:2');
    k8s.release('shop', 'quotes', 'quotes:3');
    expect(await run(acts.k8sReadRollbackTarget, 'r/1/read', ref)).toMatchObject({
      details: { current: 3, previous: 2 },
    });
    expect(k8s.patches.length).toBe(patches);
  });

  it('scales a StatefulSet, capped, and its undo refuses when someone changed it since', async () => {
    k8s.addWorkload('StatefulSet', 'data', 'redis', { replicas: 3, image: 'redis:7' });
    const ref = { namespace: 'data', name: 'redis' };
    const up = await run(acts.k8sScaleStatefulSet, 'c/1/scale', {
      ...ref,
      replicas: { multiply: 2 },
      max: 5,
    });
    expect(up.details).toEqual({ from: 3, to: 5 });
    await expect(
      run(acts.k8sScaleStatefulSet, 'c/1/undo', { ...ref, replicas: { set: 3 }, expect: 4 }),
    ).rejects.toThrow('has 5 replicas, expected 4');
    await run(acts.k8sScaleStatefulSet, 'c/1/undo2', { ...ref, replicas: { set: 3 }, expect: 5 });
    expect(k8s.workload('StatefulSet', 'data', 'redis')?.spec.replicas).toBe(3);
  });

  it('raises a memory limit (capped), rolls the pods, and undoes to the limits it found', async () => {
    k8s.addDeployment('shop', 'cart', { replicas: 2, image: 'cart:1', memoryLimit: '512Mi' });
    const ref = { kind: 'Deployment' as const, namespace: 'shop', name: 'cart' };
    const limits = () =>
      (
        k8s.deployment('shop', 'cart')?.spec.template as {
          spec: { containers: { resources?: { limits?: Record<string, string> } }[] };
        }
      ).spec.containers[0]?.resources?.limits;
    const raised = await run(acts.k8sSetResourceLimits, 'd/1/limits', {
      ...ref,
      limits: { memory: { multiply: 1.5, max: '2Gi' } },
    });
    expect(raised.details).toEqual({
      container: 'cart',
      from: { memory: '512Mi' },
      to: { memory: '768Mi' },
    });
    expect(limits()).toEqual({ memory: '768Mi' });
    expect(
      k8s.replicaSets('shop').filter((rs) => rs.metadata.name.startsWith('cart-')),
    ).toHaveLength(2);
    // Undo, as the runbook's compensation calls it.
    await run(acts.k8sSetResourceLimits, 'd/1/undo', {
      ...ref,
      limits: { memory: { set: '512Mi' } },
      expect: { memory: '768Mi' },
    });
    expect(limits()).toEqual({ memory: '512Mi' });
    // No limit at all: nothing to raise, said plainly.
    k8s.addDeployment('shop', 'search', { replicas: 1, image: 'search:1' });
    await expect(
      run(acts.k8sSetResourceLimits, 'd/2/limits', {
        kind: 'Deployment',
        namespace: 'shop',
        name: 'search',
        limits: { memory: { multiply: 1.5, max: '2Gi' } },
      }),
    ).rejects.toThrow('deployment shop/search container search has no memory limit to raise');
  });

  it('deletes only crash-looping pods, and a retry deletes the same ones, not their replacements', async () => {
    k8s.addDeployment('shop', 'payments', { replicas: 2, image: 'payments:1' });
    const pod = (name: string, waiting?: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'shop', uid: `uid-${name}`, labels: { app: 'payments' } },
      spec: { containers: [{ name: 'payments', image: 'payments:1' }] },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'payments',
            image: 'payments:1',
            imageID: '',
            ready: !waiting,
            restartCount: waiting ? 7 : 0,
            state: waiting ? { waiting: { reason: waiting } } : { running: {} },
          },
        ],
      },
    });
    k8s.addPod(pod('payments-a', 'CrashLoopBackOff'));
    k8s.addPod(pod('payments-b'));
    const ref = { kind: 'Deployment' as const, namespace: 'shop', name: 'payments', max: 3 };
    const first = await run(acts.k8sDeleteCrashLoopingPods, 'e/1/delete', ref);
    expect(first.summary).toBe(
      'deleted crash-looping pod(s) payments-a of deployment shop/payments',
    );
    expect(k8s.pods('shop').map((p) => p.metadata.name)).toContain('payments-b');
    expect(k8s.pods('shop').map((p) => p.metadata.name)).not.toContain('payments-a');
    // Its replacement crash-loops too, under the same name (as a StatefulSet's would).
    k8s.addPod({
      ...pod('payments-a', 'CrashLoopBackOff'),
      metadata: { ...pod('payments-a').metadata, uid: 'uid-new' },
    });
    expect(await run(acts.k8sDeleteCrashLoopingPods, 'e/1/delete', ref)).toEqual(first);
    expect(k8s.pods('shop').map((p) => p.metadata.uid)).toContain('uid-new');
    expect(k8s.removals.at(-1)).toMatchObject({ pod: 'payments-a', status: 409 });
  });

  it('cordons and drains a node; a PDB 429 stops the drain and names the budget', async () => {
    k8s.addNode('node-b');
    const owned = (name: string, app: string, kind = 'ReplicaSet') => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: 'shop',
        uid: `uid-${name}`,
        labels: { app },
        ownerReferences: [{ apiVersion: 'apps/v1', kind, name: `${app}-rs`, uid: `owner-${app}` }],
      },
      spec: { nodeName: 'node-b', containers: [{ name: app, image: `${app}:1` }] },
      status: { phase: 'Running' },
    });
    k8s.addPod(owned('web-1', 'web'));
    k8s.addPod(owned('web-2', 'web'));
    k8s.addPod(owned('agent-1', 'agent', 'DaemonSet'));
    k8s.addPod({ ...owned('api-1', 'api'), spec: { nodeName: 'node-c', containers: [] } });
    k8s.addPodDisruptionBudget('shop', 'web-pdb', { matchLabels: { app: 'web' }, minAvailable: 1 });

    await expect(run(acts.k8sDrainNode, 'f/1/drain', { node: 'node-b' })).rejects.toThrow(
      'node node-b is not cordoned',
    );
    expect(
      await run(acts.k8sCordonNode, 'f/1/cordon', { node: 'node-b', unschedulable: true }),
    ).toMatchObject({
      changed: true,
      details: { wasUnschedulable: false },
    });
    expect(k8s.node('node-b')?.spec.unschedulable).toBe(true);
    await expect(run(acts.k8sDrainNode, 'f/1/drain', { node: 'node-b' })).rejects.toThrow(
      /evicting pod shop\/web-2 would violate PodDisruptionBudget shop\/web-pdb \(The disruption budget web-pdb needs 1 healthy pods.*\); drain of node node-b stopped after evicting 1 pod\(s\): shop\/web-1/,
    );
    // The DaemonSet's pod and the other node's pod stay.
    expect(
      k8s
        .pods('shop')
        .map((p) => p.metadata.name)
        .filter((n) => /^(web|agent|api)-/.test(n))
        .sort(),
    ).toEqual(['agent-1', 'api-1', 'web-2']);
    // Once the budget allows it, running the drain again evicts what is left.
    k8s.addPod({ ...owned('web-3', 'web'), spec: { nodeName: 'node-c', containers: [] } });
    expect(await run(acts.k8sDrainNode, 'f/1/drain', { node: 'node-b' })).toMatchObject({
      summary: 'drained node node-b: evicted shop/web-2',
    });
    expect(k8s.removals.filter((r) => r.via === 'eviction').map((r) => r.status)).toEqual([
      201, 429, 201,
    ]);
    await run(acts.k8sCordonNode, 'f/1/uncordon', { node: 'node-b', unschedulable: false });
    expect(k8s.node('node-b')?.spec.unschedulable).toBe(false);
  });

  it('moves HPA bounds up, min never above max, and undoes only its own change', async () => {
    k8s.addHorizontalPodAutoscaler('shop', 'frontend', {
      target: 'frontend',
      minReplicas: 2,
      maxReplicas: 6,
    });
    const ref = { namespace: 'shop', hpa: 'frontend' };
    const up = await run(acts.k8sSetHpaBounds, 'g/1/bounds', {
      ...ref,
      min: { multiply: 2 },
      max: { multiply: 2 },
      ceiling: 10,
    });
    expect(up.details).toEqual({ from: { min: 2, max: 6 }, to: { min: 4, max: 10 } });
    expect(k8s.horizontalPodAutoscaler('shop', 'frontend')?.spec).toMatchObject({
      minReplicas: 4,
      maxReplicas: 10,
    });
    await run(acts.k8sSetHpaBounds, 'g/1/undo', {
      ...ref,
      min: { set: 2 },
      max: { set: 6 },
      expect: { min: 4, max: 10 },
    });
    expect(k8s.horizontalPodAutoscaler('shop', 'frontend')?.spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 6,
    });
  });
});
