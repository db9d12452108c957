import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ActivityDeps } from '../../activities';
import { approveUpdate, runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookWorkflow } from '../../runbooks/sdk/runbook';
import type { RunbookInput, RunbookResult } from '../../runbooks/sdk/types';
import { approvalsOfIncident } from '../../store/approvals';
import { createPool, type Pool } from '../../store/db';
import { startK8sStandin, type K8sStandin } from '../k8s-standin/server';
import { connectTemporal, type TemporalTestEnv } from '../setup/temporal';
import {
  awaitingApproval,
  bundleFixtureRunbooks,
  FakeHealth,
  incidentId,
  kubeConfigFor,
  signedAnswer,
  testPolicy,
  startRunbookWorker,
  type RunningWorker,
  waitForStatus,
} from './harness';

/**
 * The SDK's saga, gates and verification, driven through the test-only runbooks against the
 * Kubernetes stand-in (through the real client) and a real Temporal server.
 */
describe('runbook saga: compensation in reverse on failure, rejection, timeout, verification, cancel', () => {
  let env: TemporalTestEnv;
  let pool: Pool;
  let k8s: K8sStandin;
  let kube: KubeConfig;
  let code: string;
  let deps: ActivityDeps;
  let worker: RunningWorker;
  const health = new FakeHealth();

  beforeAll(async () => {
    [env, code, k8s] = await Promise.all([
      connectTemporal(),
      bundleFixtureRunbooks(),
      startK8sStandin({ rolloutDelayMs: 100 }),
    ]);
    kube = (await kubeConfigFor(k8s)).kube;
    pool = createPool(inject('databaseUrl'));
    deps = { pool, kube, health, approvalPolicy: testPolicy };
    worker = await startRunbookWorker({ taskQueue: env.taskQueue, deps, code });
  });
  afterAll(async () => {
    await worker?.stop();
    await k8s?.close();
    await pool?.end();
    await env?.close();
  });

  /** A namespace of its own per test: web (2 replicas) and api (revision 2 released over 1). */
  function cluster(namespace: string) {
    k8s.addDeployment(namespace, 'web', { replicas: 2, image: 'web:1' });
    k8s.addDeployment(namespace, 'api', { replicas: 2, image: 'api:1' });
    k8s.release(namespace, 'api', 'api:2');
    return {
      webReplicas: () => k8s.deployment(namespace, 'web')?.spec.replicas,
      apiImage: () =>
        (
          k8s.deployment(namespace, 'api')?.spec.template as {
            spec: { containers: { image: string }[] };
          }
        ).spec.containers[0]?.image,
      patchOrder: () =>
        k8s.patches
          .filter((p) => p.namespace === namespace && p.status === 200)
          .map(
            (p) =>
              `${p.name}:${p.ops.map((o) => o.path).find((path) => path.startsWith('/spec')) ?? ''}`,
          ),
    };
  }

  function start(
    workflow: string,
    label: string,
    extra: Partial<RunbookInput> = {},
    taskQueue = env.taskQueue,
  ) {
    const id = incidentId(label);
    const input: RunbookInput = {
      incidentId: id,
      service: `svc-${label}`,
      namespace: id.toLowerCase(),
      ...extra,
    };
    return {
      input,
      handle: env.client.workflow.start<RunbookWorkflow>(workflow, {
        taskQueue,
        workflowId: runbookWorkflowId(id),
        args: [input],
      }),
    };
  }

  it('undoes completed steps newest first when a step fails', async () => {
    const run = start('testFailingStepV1', 'fail');
    const c = cluster(run.input.namespace as string);
    const result: RunbookResult = await (await run.handle).result();
    expect(result.outcome).toBe('rolled_back');
    expect(result.reason).toMatch(/restart-ghost failed: deployment .*ghost not found/);
    expect(result.steps.map((s) => [s.name, s.status, s.compensation?.status])).toEqual([
      ['scale-web', 'succeeded', 'succeeded'],
      ['rollback-api', 'succeeded', 'succeeded'],
      ['restart-ghost', 'failed', undefined],
    ]);
    // Forward: scale web, roll api back. Compensation: roll api forward, then scale web back.
    expect(c.patchOrder()).toEqual([
      'web:/spec/replicas',
      'api:/spec/template',
      'api:/spec/template',
      'web:/spec/replicas',
    ]);
    expect(c.webReplicas()).toBe(2);
    expect(c.apiImage()).toBe('api:2');
  });

  it('rolls back when an approver rejects, and audits who, when and from where', async () => {
    const run = start('testGatedV1', 'reject');
    const c = cluster(run.input.namespace as string);
    const result = await (async () => {
      const handle = await run.handle;
      const status = await waitForStatus(handle, awaitingApproval);
      expect(status.awaiting).toMatchObject({
        gate: 'go-ahead',
        required: 1,
        approvers: testPolicy.groups.oncall,
      });
      expect(c.webReplicas()).toBe(3);
      const ack = await handle.executeUpdate(
        approveUpdate,
        await signedAnswer(handle, {
          decision: 'reject',
          approver: 'bob',
          reason: 'not during the sale',
        }),
      );
      expect(ack).toEqual({ gate: 'go-ahead', status: 'rejected', approvals: 0, required: 1 });
      return handle.result();
    })();
    expect(result.outcome).toBe('rejected');
    expect(result.reason).toBe('rejected by bob via cli: not during the sale');
    expect(result.steps.map((s) => [s.name, s.compensation?.status])).toEqual([
      ['scale-web', 'succeeded'],
    ]);
    expect(c.webReplicas()).toBe(2);
    expect(c.apiImage()).toBe('api:2');
    const audit = await approvalsOfIncident(pool, run.input.incidentId);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      gate: 'go-ahead',
      approver: 'bob',
      decision: 'rejected',
      via: 'cli',
      reason: 'not during the sale',
      runbook: 'test-gated',
      runbookVersion: 1,
    });
    expect(audit[0]?.updateId).toBeTruthy();
  });

  it('refuses answers from outsiders, repeats and runs not waiting, leaving the workflow unchanged', async () => {
    const run = start('testGatedV1', 'refuse');
    cluster(run.input.namespace as string);
    await (async () => {
      const handle = await run.handle;
      // Before the gate opens nobody can answer (the first step may still be running).
      const early = await handle
        .executeUpdate(
          approveUpdate,
          await signedAnswer(handle, { decision: 'approve', approver: 'alice' }),
        )
        .catch((e: unknown) => e);
      if (early instanceof WorkflowUpdateFailedError) {
        expect(early.cause?.message).toMatch(/not waiting for an approval/);
      }
      const before = await waitForStatus(handle, awaitingApproval);
      const refusals = [
        await signedAnswer(handle, { decision: 'approve', approver: 'mallory', via: 'slack' }),
        await signedAnswer(handle, { decision: 'approve', approver: 'alice', gate: 'other-gate' }),
      ];
      for (const args of refusals) {
        await expect(handle.executeUpdate(approveUpdate, args)).rejects.toBeInstanceOf(
          WorkflowUpdateFailedError,
        );
      }
      const after = await waitForStatus(handle, awaitingApproval);
      expect(after.approvals).toEqual([]);
      expect(after.awaiting?.approvedBy).toEqual(before.awaiting?.approvedBy);
      await handle.executeUpdate(
        approveUpdate,
        await signedAnswer(handle, { decision: 'approve', approver: 'alice' }),
      );
      await expect(
        handle.executeUpdate(
          approveUpdate,
          await signedAnswer(handle, { decision: 'approve', approver: 'alice' }),
        ),
      ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      const result = await handle.result();
      expect(result.outcome).toBe('succeeded');
      expect(result.approvals.map((a) => [a.approver, a.decision, a.via])).toEqual([
        ['alice', 'approved', 'cli'],
      ]);
    })();
  });

  it('times out an unanswered gate and rolls back', async () => {
    const run = start('testImpatientV1', 'timeout');
    const c = cluster(run.input.namespace as string);
    const result = await (await run.handle).result();
    expect(result.outcome).toBe('rejected');
    expect(result.reason).toBe('approval timed out after 2 seconds');
    expect(result.approvals).toMatchObject([
      { gate: 'quick', decision: 'timed_out', via: 'timer' },
    ]);
    expect(c.webReplicas()).toBe(2);
  });

  it('widens the gate to the escalation group after the escalation delay', async () => {
    const run = start('testGatedV1', 'escalate');
    cluster(run.input.namespace as string);
    const result = await (async () => {
      const handle = await run.handle;
      await waitForStatus(handle, awaitingApproval);
      const lead = await signedAnswer(handle, { decision: 'approve', approver: 'carol' });
      await expect(handle.executeUpdate(approveUpdate, lead)).rejects.toBeInstanceOf(
        WorkflowUpdateFailedError,
      );
      await waitForStatus(handle, (s) => s.awaiting?.approvers.includes('carol') ?? false);
      await handle.executeUpdate(approveUpdate, lead);
      return handle.result();
    })();
    expect(result.outcome).toBe('succeeded');
    expect(result.approvals).toMatchObject([{ approver: 'carol', decision: 'approved' }]);
  });

  it('rolls back everything, newest first, when verification fails', async () => {
    const run = start('testGatedV1', 'verify');
    const c = cluster(run.input.namespace as string);
    health.unhealthy.add(run.input.service);
    const result = await (async () => {
      const handle = await run.handle;
      await waitForStatus(handle, awaitingApproval);
      await handle.executeUpdate(
        approveUpdate,
        await signedAnswer(handle, { decision: 'approve', approver: 'alice' }),
      );
      return handle.result();
    })();
    expect(result.outcome).toBe('rolled_back');
    expect(result.reason).toMatch(
      /did not recover within 3 seconds \(500 requests, error rate 35.0%/,
    );
    expect(result.steps.map((s) => [s.name, s.compensation?.status])).toEqual([
      ['scale-web', 'succeeded'],
      ['rollback-api', 'succeeded'],
    ]);
    expect(c.patchOrder()).toEqual([
      'web:/spec/replicas',
      'api:/spec/template',
      'api:/spec/template',
      'web:/spec/replicas',
    ]);
    expect(c.apiImage()).toBe('api:2');
    expect(c.webReplicas()).toBe(2);
  });

  it('leaves the fix in place and escalates when health cannot be read', async () => {
    const run = start('testVerifyPatientlyV1', 'unknown');
    const c = cluster(run.input.namespace as string);
    health.unavailable.add(run.input.service);
    const handle = await run.handle;
    const result = await handle.result();
    expect(result.outcome).toBe('unverified');
    expect(result.reason).toMatch(
      /could not tell whether .* recovered within 2 seconds and 6 seconds more \(health unavailable: .*ECONNREFUSED/,
    );
    expect(result.steps.map((s) => [s.name, s.status, s.compensation])).toEqual([
      ['rollback-api', 'succeeded', undefined],
    ]);
    expect(c.apiImage()).toBe('api:1');
    const history = await handle.fetchHistory();
    const scheduled = history.events?.flatMap((e) => {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      return name ? [name] : [];
    });
    expect(scheduled).toContain('escalateUnverifiedRecovery');
  });

  it('keeps a fix that verifies once its health can be read again', async () => {
    const run = start('testVerifyPatientlyV1', 'outage');
    const c = cluster(run.input.namespace as string);
    health.unavailable.add(run.input.service);
    const handle = await run.handle;
    await waitForStatus(handle, (s) => s.phase === 'verifying');
    // Past `within`: the old verification had rolled the good fix back by now.
    await new Promise((r) => setTimeout(r, 3_500));
    health.unavailable.delete(run.input.service);
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    expect(result.steps.map((s) => s.compensation)).toEqual([undefined]);
    expect(c.apiImage()).toBe('api:1');
  });

  it('never undoes a step when a precondition cannot be read: waits, escalates, stops', async () => {
    const run = start('testPreconditionV1', 'pre-unknown');
    const c = cluster(run.input.namespace as string);
    health.unavailable.add(run.input.service);
    const handle = await run.handle;
    const result = await handle.result();
    expect(result.outcome).toBe('unverified');
    expect(result.reason).toMatch(
      /could not tell whether .* still fails for 6 seconds \(health unavailable: .*ECONNREFUSED.*\); the runbook stopped before acting, nothing was undone/,
    );
    expect(result.steps.map((s) => [s.name, s.status, s.compensation])).toEqual([
      ['scale-web', 'succeeded', undefined],
    ]);
    expect(c.webReplicas()).toBe(3);
    expect(c.apiImage()).toBe('api:2');
    const history = await handle.fetchHistory();
    const checks = history.events?.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'checkServiceHealth',
    );
    // Read again after a backoff (each read is itself retried for about 3 s), not judged once.
    expect(checks?.length).toBeGreaterThanOrEqual(2);
    expect(
      history.events?.some(
        (e) =>
          e.activityTaskScheduledEventAttributes?.activityType?.name ===
          'escalateUnverifiedRecovery',
      ),
    ).toBe(true);
  });

  it('goes on when the precondition holds, and halts (undoing) when it measurably does not', async () => {
    const failing = start('testPreconditionV1', 'pre-holds');
    const f = cluster(failing.input.namespace as string);
    health.unhealthy.add(failing.input.service);
    const recovered = start('testPreconditionV1', 'pre-healthy');
    const r = cluster(recovered.input.namespace as string);
    const [held, halted] = await Promise.all([
      (await failing.handle).result(),
      (await recovered.handle).result(),
    ]);
    expect(held.outcome).toBe('succeeded');
    expect(f.apiImage()).toBe('api:1');
    expect(halted.outcome).toBe('rolled_back');
    expect(halted.reason).toMatch(/precondition: svc-pre-healthy is healthy again/);
    expect(halted.steps.map((s) => [s.name, s.compensation?.status])).toEqual([
      ['scale-web', 'succeeded'],
    ]);
    expect(r.webReplicas()).toBe(2);
  });

  it('compensates when cancelled while waiting for approval', async () => {
    const run = start('testGatedV1', 'cancel-gate');
    const c = cluster(run.input.namespace as string);
    const result = await (async () => {
      const handle = await run.handle;
      await waitForStatus(handle, awaitingApproval);
      await handle.cancel();
      return handle.result();
    })();
    expect(result).toMatchObject({ outcome: 'rolled_back', reason: 'cancelled' });
    expect(result.steps.map((s) => [s.name, s.compensation?.status])).toEqual([
      ['scale-web', 'succeeded'],
    ]);
    expect(c.webReplicas()).toBe(2);
  });

  it('compensates both steps when cancelled during verification', async () => {
    const run = start('testGatedV1', 'cancel-verify');
    const c = cluster(run.input.namespace as string);
    health.unhealthy.add(run.input.service);
    const result = await (async () => {
      const handle = await run.handle;
      await waitForStatus(handle, awaitingApproval);
      await handle.executeUpdate(
        approveUpdate,
        await signedAnswer(handle, { decision: 'approve', approver: 'alice' }),
      );
      await waitForStatus(handle, (s) => s.phase === 'verifying');
      await handle.cancel();
      return handle.result();
    })();
    expect(result).toMatchObject({ outcome: 'rolled_back', reason: 'cancelled' });
    expect(result.steps.map((s) => s.compensation?.status)).toEqual(['succeeded', 'succeeded']);
    expect(c.webReplicas()).toBe(2);
    expect(c.apiImage()).toBe('api:2');
  });

  it('needs two distinct approvers when the policy says so', async () => {
    const taskQueue = `${env.taskQueue}-strict`;
    const strict = await startRunbookWorker({
      taskQueue,
      deps: { ...deps, approvalPolicy: { ...testPolicy, twoApproversFrom: 'medium' } },
      code,
    });
    const run = start('testGatedV1', 'two', {}, taskQueue);
    cluster(run.input.namespace as string);
    const result = await (async () => {
      const handle = await run.handle;
      await waitForStatus(handle, awaitingApproval);
      const first = await handle.executeUpdate(
        approveUpdate,
        await signedAnswer(handle, { decision: 'approve', approver: 'alice' }),
      );
      expect(first).toMatchObject({ status: 'pending', approvals: 1, required: 2 });
      const second = await handle.executeUpdate(
        approveUpdate,
        await signedAnswer(handle, { decision: 'approve', approver: 'bob' }),
      );
      expect(second).toMatchObject({ status: 'approved', approvals: 2, required: 2 });
      return handle.result();
    })().finally(() => strict.stop());
    expect(result.outcome).toBe('succeeded');
    expect(result.approvals.map((a) => a.approver)).toEqual(['alice', 'bob']);
  });
});
