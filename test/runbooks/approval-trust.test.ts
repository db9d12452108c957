import { generateKeyPairSync } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SignedApproval } from '../../runbooks/sdk/approval-statement';
import { approveUpdate, runbookStatusQuery, runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookWorkflow } from '../../runbooks/sdk/runbook';
import { approvalsOfIncident } from '../../store/approvals';
import { createPool, type Pool } from '../../store/db';
import { createApprovalAuthority, ed25519KeyFromSeed } from '../../worker/approval-authority';
import { startK8sStandin, type K8sStandin } from '../k8s-standin/server';
import { connectTemporal, type TemporalTestEnv } from '../setup/temporal';
import {
  awaitingApproval,
  FakeHealth,
  incidentId,
  kubeConfigFor,
  signedAnswer,
  startRunbookWorker,
  testAuthority,
  testPolicy,
  waitForStatus,
  type RunningWorker,
} from './harness';

/**
 * The `approve` Update's validator, sent to by a real Temporal client: only a statement signed
 * by a trusted authority, for this run, unexpired and unused, counts. Everything else is refused
 * with a reason and the run keeps waiting with nothing recorded.
 */
describe('signed approvals: what the validator refuses', () => {
  let env: TemporalTestEnv;
  let pool: Pool;
  let k8s: K8sStandin;
  let worker: RunningWorker;

  beforeAll(async () => {
    [env, k8s] = await Promise.all([connectTemporal(), startK8sStandin()]);
    pool = createPool(inject('databaseUrl'));
    worker = await startRunbookWorker({
      taskQueue: env.taskQueue,
      deps: {
        pool,
        kube: (await kubeConfigFor(k8s)).kube,
        health: new FakeHealth(),
        // Two approvers, so an accepted statement leaves the gate open to be sent again.
        approvalPolicy: { ...testPolicy, twoApproversFrom: 'medium' },
      },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await k8s?.close();
    await pool?.end();
    await env?.close();
  });

  async function waitingRun(label: string) {
    const id = incidentId(label);
    k8s.addDeployment('shop', id.toLowerCase(), { replicas: 1, image: 'app:1' });
    const handle = await env.client.workflow.start<RunbookWorkflow>('k8sRolloutRestartV1', {
      taskQueue: env.taskQueue,
      workflowId: runbookWorkflowId(id),
      args: [{ incidentId: id, service: 'cart', namespace: 'shop', deployment: id.toLowerCase() }],
    });
    await waitForStatus(handle, awaitingApproval);
    return { id, handle };
  }

  async function refused(handle: WorkflowHandle<RunbookWorkflow>, arg: unknown): Promise<string> {
    const err = await handle
      .executeUpdate(approveUpdate, { args: [arg as SignedApproval] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return (err as WorkflowUpdateFailedError).cause?.message ?? '';
  }

  it('refuses unsigned, forged, wrong-key, expired, future, foreign and replayed statements', async () => {
    const { id, handle } = await waitingRun('trust');
    const { runId } = await handle.describe();
    const answer = { workflowId: handle.workflowId, runId, gate: 'approve', via: 'cli' as const };
    const alice = { ...answer, decision: 'approve' as const, approver: 'alice' };
    const reasons: Record<string, string> = {};

    reasons.unsigned = await refused(handle, {
      decision: 'approve',
      approver: 'root',
      via: 'slack',
    });
    const genuine = testAuthority.issue(alice);
    reasons.forged = await refused(handle, {
      statement: genuine.statement.replace('"alice"', '"bob"'),
      signature: genuine.signature,
    });
    reasons.badSignature = await refused(handle, { ...genuine, signature: 'ab'.repeat(64) });
    const stranger = createApprovalAuthority(generateKeyPairSync('ed25519').privateKey);
    reasons.wrongKey = await refused(handle, stranger.issue(alice));
    const past = createApprovalAuthority(ed25519KeyFromSeed('11'.repeat(32)), {
      now: () => Date.now() - 10 * 60_000,
    });
    reasons.expired = await refused(handle, past.issue(alice));
    const ahead = createApprovalAuthority(ed25519KeyFromSeed('11'.repeat(32)), {
      now: () => Date.now() + 10 * 60_000,
    });
    reasons.future = await refused(handle, ahead.issue(alice));
    reasons.otherRun = await refused(
      handle,
      testAuthority.issue({ ...alice, runId: '00000000-0000-4000-8000-000000000000' }),
    );

    expect(reasons).toEqual({
      unsigned: expect.stringMatching(/must be a statement signed by the approval authority/),
      forged: 'the statement is not signed by a trusted approval authority',
      badSignature: 'the statement is not signed by a trusted approval authority',
      wrongKey: 'the statement is not signed by a trusted approval authority',
      expired: expect.stringMatching(/^the statement expired at /),
      future: expect.stringMatching(/^the statement is issued in the future/),
      otherRun: 'the statement was issued for another run',
    });
    let status = await handle.query(runbookStatusQuery);
    expect(status.phase).toBe('awaiting_approval');
    expect(status.awaiting?.approvedBy).toEqual([]);

    expect(await handle.executeUpdate(approveUpdate, { args: [genuine] })).toMatchObject({
      status: 'pending',
      approvals: 1,
    });
    expect(await refused(handle, genuine)).toBe('this statement has already been used');
    expect(await refused(handle, testAuthority.issue(alice))).toBe(
      'alice has already answered gate approve',
    );
    status = await handle.query(runbookStatusQuery);
    expect(status.phase).toBe('awaiting_approval');
    expect(status.awaiting?.approvedBy).toEqual(['alice']);

    await handle.executeUpdate(
      approveUpdate,
      await signedAnswer(handle, { decision: 'approve', approver: 'bob' }),
    );
    expect((await handle.result()).outcome).toBe('succeeded');
    expect(
      (await approvalsOfIncident(pool, id)).map((a) => [a.approver, a.via, a.decision]),
    ).toEqual([
      ['alice', 'cli', 'approved'],
      ['bob', 'cli', 'approved'],
    ]);
  });
});
