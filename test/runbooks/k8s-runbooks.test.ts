import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runbookCatalog } from '../../runbooks/catalog';
import type { RunbookInput } from '../../runbooks/sdk/types';
import { createPool, type Pool } from '../../store/db';
import { startK8sStandin, type K8sStandin } from '../k8s-standin/server';
import { connectTemporal, type TemporalTestEnv } from '../setup/temporal';
import {
  approveAs,
  FakeHealth,
  kubeConfigFor,
  startRunbook,
  startRunbookWorker,
  testPolicy,
  type RunningWorker,
} from './harness';

/** The Kubernetes runbooks of round 2, run by the engine's workflow bundle on the stand-in. */
describe('Kubernetes runbooks on the stand-in', () => {
  let env: TemporalTestEnv;
  let pool: Pool;
  let k8s: K8sStandin;
  let worker: RunningWorker;
  const health = new FakeHealth();

  beforeAll(async () => {
    [env, k8s] = await Promise.all([connectTemporal(), startK8sStandin({ rolloutDelayMs: 100 })]);
    pool = createPool(inject('databaseUrl'));
    worker = await startRunbookWorker({
      taskQueue: env.taskQueue,
      deps: { pool, kube: (await kubeConfigFor(k8s)).kube, health, approvalPolicy: testPolicy },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await k8s?.close();
    await pool?.end();
    await env?.close();
  });

  const start = (workflowType: string, input: Omit<RunbookInput, 'incidentId'>, label: string) =>
    startRunbook(env, workflowType, input, label);

  it('registers at least 20 runbooks, each mapped to incident kinds', () => {
    const names = new Set(runbookCatalog.map((e) => e.name));
    expect(names.size).toBeGreaterThanOrEqual(20);
    for (const entry of runbookCatalog) expect(entry.incidentKinds.length).toBeGreaterThan(0);
  });

  it('dry runs show each step with its undo, and change nothing', async () => {
    const before = k8s.patches.length + k8s.removals.length;
    const drain = await start(
      'k8sDrainNodeV1',
      { service: 'cart', node: 'node-1', dryRun: true },
      'dry-drain',
    );
    const plan = (await drain.result()).plan;
    expect(plan.filter((p) => p.kind === 'step')).toEqual([
      expect.objectContaining({
        name: 'cordon',
        undo: 'uncordon it, unless it was cordoned before',
      }),
      expect.objectContaining({
        name: 'drain',
        risk: 'high',
        undo: 'cannot be undone: evicted pods were recreated elsewhere by their controllers',
      }),
    ]);
    const limit = await start(
      'k8sRaiseMemoryLimitV1',
      { service: 'cart', deployment: 'cart', namespace: 'shop', dryRun: true },
      'dry-limit',
    );
    expect((await limit.result()).plan.find((p) => p.kind === 'step')).toMatchObject({
      activity: 'k8sSetResourceLimits',
      undo: 'set back the limits it found, unless someone changed them since',
    });
    expect(k8s.patches.length + k8s.removals.length).toBe(before);
  });

  it('k8s-statefulset-rollback: approved, back to the previous ControllerRevision, verified', async () => {
    k8s.addWorkload('StatefulSet', 'data', 'kafka', { replicas: 3, image: 'kafka:3.6' });
    k8s.releaseWorkload('StatefulSet', 'data', 'kafka', 'kafka:3.7');
    const handle = await start(
      'k8sStatefulsetRollbackV1',
      { service: 'kafka', statefulset: 'kafka', namespace: 'data' },
      'sts-rollback',
    );
    await approveAs(handle, 'alice');
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    expect(result.steps[0]?.summary).toBe(
      'rolled statefulset data/kafka back from revision 2 to 1',
    );
    const template = k8s.workload('StatefulSet', 'data', 'kafka')?.spec.template as {
      spec: { containers: { image: string }[] };
    };
    expect(template.spec.containers[0]?.image).toBe('kafka:3.6');
  });

  it('k8s-raise-memory-limit: 512Mi → 768Mi, and the pods roll', async () => {
    k8s.addDeployment('shop', 'cart', { replicas: 2, image: 'cart:1', memoryLimit: '512Mi' });
    const handle = await start(
      'k8sRaiseMemoryLimitV1',
      { service: 'cart', deployment: 'cart', namespace: 'shop' },
      'limit',
    );
    await approveAs(handle, 'alice');
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    expect(result.steps[0]?.summary).toBe(
      'set deployment shop/cart container cart limits from cpu none, memory 512Mi to cpu none, memory 768Mi',
    );
  });

  it('k8s-drain-node: a PodDisruptionBudget stops the drain, the run rolls back and uncordons', async () => {
    k8s.addNode('node-7');
    for (const name of ['db-0', 'db-1']) {
      k8s.addPod({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace: 'data',
          uid: `uid-${name}`,
          labels: { app: 'db' },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'db' }],
        },
        spec: { nodeName: 'node-7', containers: [{ name: 'db', image: 'db:1' }] },
        status: { phase: 'Running' },
      });
    }
    k8s.addPodDisruptionBudget('data', 'db-pdb', { matchLabels: { app: 'db' }, minAvailable: 1 });
    const handle = await start('k8sDrainNodeV1', { service: 'db', node: 'node-7' }, 'drain');
    // High risk: two approvers.
    await approveAs(handle, 'alice', 'bob');
    const result = await handle.result();
    expect(result.outcome).toBe('rolled_back');
    expect(result.reason).toContain(
      'evicting pod data/db-1 would violate PodDisruptionBudget data/db-pdb',
    );
    expect(result.steps[0]).toMatchObject({
      name: 'cordon',
      compensation: { status: 'succeeded', detail: 'uncordoned node node-7' },
    });
    expect(k8s.node('node-7')?.spec.unschedulable).toBe(false);
    expect(k8s.pods('data').map((p) => p.metadata.name)).toEqual(['db-1']);
  });

  it('k8s-raise-hpa-bounds: low risk, runs by itself, doubles the bounds', async () => {
    k8s.addHorizontalPodAutoscaler('shop', 'web', {
      target: 'web',
      minReplicas: 3,
      maxReplicas: 20,
    });
    const result = await (
      await start('k8sRaiseHpaBoundsV1', { service: 'web', hpa: 'web', namespace: 'shop' }, 'hpa')
    ).result();
    expect(result.outcome).toBe('succeeded');
    expect(k8s.horizontalPodAutoscaler('shop', 'web')?.spec).toMatchObject({
      minReplicas: 6,
      maxReplicas: 30,
    });
  });
});
