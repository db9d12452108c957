import { resolve } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { latestRunbook } from '../../runbooks/catalog';
import { approveUpdate, runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookWorkflow } from '../../runbooks/sdk/runbook';
import { createPool, type Pool } from '../../store/db';
import { startK8sStandin, type K8sStandin } from '../k8s-standin/server';
import { connectTemporal, type TemporalTestEnv } from '../setup/temporal';
import {
  awaitingApproval,
  FakeHealth,
  incidentId,
  kubeConfigFor,
  startRunbookWorker,
  testPolicy,
  waitForStatus,
  signedAnswer,
} from './harness';

const aliceApproves = (handle: WorkflowHandle, gate?: string) =>
  signedAnswer(handle, { decision: 'approve', approver: 'alice', ...(gate ? { gate } : {}) });

async function bundle(file: string): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: resolve(__dirname, 'versions', file),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
  });
  return code;
}

/**
 * How runbooks change while runs are in flight: a new version is a new workflow type next to
 * the old one (runs in flight finish on v1, new runs start v2); a small change inside a version
 * goes behind patched(), and without it replaying an in-flight run fails.
 */
describe('runbook versioning', () => {
  let env: TemporalTestEnv;
  let pool: Pool;
  let k8s: K8sStandin;
  let deps: ActivityDeps;

  beforeAll(async () => {
    [env, k8s] = await Promise.all([connectTemporal(), startK8sStandin()]);
    pool = createPool(inject('databaseUrl'));
    // Scale-out is low risk; requiring approval from `low` on keeps v1 runs waiting, in flight.
    deps = {
      pool,
      kube: (await kubeConfigFor(k8s)).kube,
      health: new FakeHealth(),
      approvalPolicy: { ...testPolicy, requiredFrom: 'low' },
    };
  });
  afterAll(async () => {
    await k8s?.close();
    await pool?.end();
    await env?.close();
  });

  function start(workflowType: string, label: string, taskQueue = env.taskQueue) {
    const id = incidentId(label);
    const namespace = id.toLowerCase();
    k8s.addDeployment(namespace, 'web', { replicas: 4, image: 'web:1' });
    const handle = env.client.workflow.start<RunbookWorkflow>(workflowType, {
      taskQueue,
      workflowId: runbookWorkflowId(id),
      args: [{ incidentId: id, service: 'web', namespace, deployment: 'web' }],
    });
    return { handle, replicas: () => k8s.deployment(namespace, 'web')?.spec.replicas };
  }

  it('a v1 run in flight finishes on v1 after v2 ships; new runs use v2', async () => {
    const before = await startRunbookWorker({ taskQueue: env.taskQueue, deps });
    const v1 = start('k8sScaleOutV1', 'v1');
    const v1Handle = await v1.handle;
    await waitForStatus(v1Handle, awaitingApproval);
    await before.stop();

    // The deploy that ships v2: a new worker whose bundle registers both types.
    const after = await startRunbookWorker({ taskQueue: env.taskQueue, deps });
    try {
      const latest = latestRunbook('k8s-scale-out');
      expect(latest).toMatchObject({ version: 2, workflowType: 'k8sScaleOutV2' });
      const v2 = start(latest?.workflowType ?? '', 'v2');
      const v2Handle = await v2.handle;
      await waitForStatus(v2Handle, awaitingApproval);
      await v1Handle.executeUpdate(approveUpdate, await aliceApproves(v1Handle));
      await v2Handle.executeUpdate(approveUpdate, await aliceApproves(v2Handle));
      const [r1, r2] = await Promise.all([v1Handle.result(), v2Handle.result()]);
      expect(r1).toMatchObject({
        outcome: 'succeeded',
        runbook: { name: 'k8s-scale-out', version: 1 },
      });
      expect(r2).toMatchObject({
        outcome: 'succeeded',
        runbook: { name: 'k8s-scale-out', version: 2 },
      });
      expect(v1.replicas()).toBe(5); // v1: one more
      expect(v2.replicas()).toBe(6); // v2: half again as many
      expect((await v1Handle.describe()).type).toBe('k8sScaleOutV1');
    } finally {
      await after.stop();
    }
  });

  it('a change behind patched() leaves in-flight runs on the old path; without it, replay fails', async () => {
    const [original, patched, unguarded] = await Promise.all([
      bundle('original.ts'),
      bundle('patched.ts'),
      bundle('unguarded.ts'),
    ]);
    const taskQueue = `${env.taskQueue}-patch`;
    const old = await startRunbookWorker({ taskQueue, deps, code: original });
    const inFlight = start('testEvolvingV1', 'old', taskQueue);
    const oldHandle = await inFlight.handle;
    await waitForStatus(oldHandle, awaitingApproval);
    await old.stop();

    const current = await startRunbookWorker({ taskQueue, deps, code: patched });
    try {
      await oldHandle.executeUpdate(approveUpdate, await aliceApproves(oldHandle, 'go'));
      const oldResult = await oldHandle.result();
      expect(oldResult.steps.map((s) => s.name)).toEqual(['scale-web']);

      const fresh = await start('testEvolvingV1', 'new', taskQueue).handle;
      await waitForStatus(fresh, awaitingApproval);
      await fresh.executeUpdate(approveUpdate, await aliceApproves(fresh, 'go'));
      expect((await fresh.result()).steps.map((s) => s.name)).toEqual(['restart-web', 'scale-web']);
    } finally {
      await current.stop();
    }

    const history = await oldHandle.fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { code: patched } }, history);
    await expect(
      Worker.runReplayHistory({ workflowBundle: { code: unguarded } }, history),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
    // Three workflow bundles are built at once: half a minute or more on a shared 2-core machine.
  }, 180_000);
});
