import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookWorkflow } from '../../runbooks/sdk/runbook';
import { approvalsOfIncident } from '../../store/approvals';
import { createPool, type Pool } from '../../store/db';
import { approveCommand } from '../../worker/commands/approve';
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
  type RunningWorker,
} from './harness';

/** `aiops approve <incident>`: finds the incident's waiting runbook and sends the Update. */
describe('aiops approve', () => {
  let env: TemporalTestEnv;
  let pool: Pool;
  let k8s: K8sStandin;
  let worker: RunningWorker;
  let output: string[];

  beforeAll(async () => {
    [env, k8s] = await Promise.all([connectTemporal(), startK8sStandin()]);
    pool = createPool(inject('databaseUrl'));
    worker = await startRunbookWorker({
      taskQueue: env.taskQueue,
      deps: {
        pool,
        kube: (await kubeConfigFor(k8s)).kube,
        health: new FakeHealth(),
        approvalPolicy: testPolicy,
      },
    });
    vi.stubEnv('TEMPORAL_ADDRESS', inject('temporalAddress'));
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await worker?.stop();
    await k8s?.close();
    await pool?.end();
    await env?.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = 0;
  });

  async function aiopsApprove(...args: string[]): Promise<number> {
    output = [];
    const capture = (chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    process.exitCode = 0;
    await approveCommand().parseAsync(args, { from: 'user' });
    vi.restoreAllMocks();
    return Number(process.exitCode ?? 0);
  }

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

  it('approves as the given identity, and the audit trail says it came from the CLI', async () => {
    const { id, handle } = await waitingRun('cli-approve');
    expect(await aiopsApprove(id, '--as', 'alice', '--reason', 'looks right')).toBe(0);
    expect(output.join('')).toMatch(
      /k8s-rollout-restart v1, gate approve: approved \(1 of 1 approvals\)/,
    );
    expect((await handle.result()).outcome).toBe('succeeded');
    expect(await approvalsOfIncident(pool, id)).toMatchObject([
      { approver: 'alice', via: 'cli', decision: 'approved', reason: 'looks right' },
    ]);
  });

  it('rejects with --reject', async () => {
    const { id, handle } = await waitingRun('cli-reject');
    expect(await aiopsApprove(id, '--reject', '--as', 'bob', '--reason', 'wrong service')).toBe(0);
    expect(await handle.result()).toMatchObject({
      outcome: 'rejected',
      reason: 'rejected by bob via cli: wrong service',
    });
  });

  it('says why when it cannot answer', async () => {
    const { id, handle } = await waitingRun('cli-refused');
    expect(await aiopsApprove(id, '--as', 'mallory')).toBe(1);
    expect(output.join('')).toMatch(/Not recorded: mallory may not approve k8s-rollout-restart v1/);
    expect(await aiopsApprove('INC-does-not-exist', '--as', 'alice')).toBe(1);
    expect(output.join('')).toMatch(/No runbook is running for incident INC-does-not-exist/);
    await handle.cancel();
  });
});
