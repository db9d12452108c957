import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookWorkflow } from '../../runbooks/sdk/runbook';
import { approvalsOfIncident } from '../../store/approvals';
import { createPool, type Pool } from '../../store/db';
import { startApprovalGateway, type ApprovalGateway } from '../../worker/approval-gateway';
import { tokenDigest } from '../../worker/approver-identities';
import { approveCommand } from '../../worker/commands/approve';
import { startK8sStandin, type K8sStandin } from '../k8s-standin/server';
import { connectTemporal, type TemporalTestEnv } from '../setup/temporal';
import {
  awaitingApproval,
  FakeHealth,
  incidentId,
  kubeConfigFor,
  startRunbookWorker,
  testAuthority,
  testPolicy,
  waitForStatus,
  type RunningWorker,
} from './harness';

const tokens = { alice: 'tok-alice-5d1e', bob: 'tok-bob-93aa', mallory: 'tok-mallory-0c7f' };
const identities = Object.fromEntries(
  Object.entries(tokens).map(([person, token]) => [
    person,
    { tokens: [tokenDigest(token).toString('hex')] },
  ]),
);

/**
 * `aiops approve <incident>`: authenticates to the approval gateway with the user's personal
 * token, gets a signed statement for the incident's waiting run and sends it as the Update.
 */
describe('aiops approve', () => {
  let env: TemporalTestEnv;
  let pool: Pool;
  let k8s: K8sStandin;
  let worker: RunningWorker;
  let gateway: ApprovalGateway;
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
    gateway = await startApprovalGateway({
      temporal: env.client,
      gateway: { host: '127.0.0.1', port: 0, identities },
      authority: testAuthority,
      log: () => undefined,
    });
    vi.stubEnv('TEMPORAL_ADDRESS', inject('temporalAddress'));
    // A home without a local approver token: only AIOPS_APPROVER_TOKEN says who the user is.
    vi.stubEnv('AIOPS_HOME', await mkdtemp(join(tmpdir(), 'aiops-approve-')));
    vi.stubEnv('AIOPS_GATEWAY_URL', `http://127.0.0.1:${gateway.port}`);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await gateway?.stop();
    await worker?.stop();
    await k8s?.close();
    await pool?.end();
    await env?.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = 0;
  });

  async function aiopsApprove(token: string | undefined, ...args: string[]): Promise<number> {
    vi.stubEnv('AIOPS_APPROVER_TOKEN', token ?? '');
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

  async function waitingRun(label: string, attempt = 1) {
    const id = incidentId(label);
    k8s.addDeployment('shop', id.toLowerCase(), { replicas: 1, image: 'app:1' });
    return { id, handle: await waitingAttempt(id, attempt) };
  }

  async function waitingAttempt(id: string, attempt: number) {
    const handle = await env.client.workflow.start<RunbookWorkflow>('k8sRolloutRestartV1', {
      taskQueue: env.taskQueue,
      workflowId: runbookWorkflowId(id, attempt),
      args: [{ incidentId: id, service: 'cart', namespace: 'shop', deployment: id.toLowerCase() }],
    });
    await waitForStatus(handle, awaitingApproval);
    return handle;
  }

  it("approves as the token's holder, and the audit trail says it came from the CLI", async () => {
    const { id, handle } = await waitingRun('cli-approve');
    expect(await aiopsApprove(tokens.alice, id, '--reason', 'looks right')).toBe(0);
    expect(output.join('')).toMatch(/gate approve: approved \(1 of 1 approvals\)/);
    expect((await handle.result()).outcome).toBe('succeeded');
    expect(await approvalsOfIncident(pool, id)).toMatchObject([
      { approver: 'alice', via: 'cli', decision: 'approved', reason: 'looks right' },
    ]);
  });

  it("answers the incident's attempt that is waiting, after an earlier one ended", async () => {
    const { id, handle: first } = await waitingRun('cli-next', 1);
    await first.cancel();
    expect((await first.result()).outcome).toBe('rolled_back');
    const second = await waitingAttempt(id, 2);
    expect(await aiopsApprove(tokens.alice, id)).toBe(0);
    expect((await second.result()).outcome).toBe('succeeded');
  });

  it('rejects with --reject', async () => {
    const { id, handle } = await waitingRun('cli-reject');
    expect(await aiopsApprove(tokens.bob, id, '--reject', '--reason', 'wrong service')).toBe(0);
    expect(await handle.result()).toMatchObject({
      outcome: 'rejected',
      reason: 'rejected by bob via cli: wrong service',
    });
  });

  it('says why when it cannot answer: no token, an unknown token, not an approver, no run', async () => {
    const { id, handle } = await waitingRun('cli-refused');
    expect(await aiopsApprove(undefined, id)).toBe(1);
    expect(output.join('')).toMatch(/Set AIOPS_APPROVER_TOKEN/);
    expect(await aiopsApprove('tok-guessed', id)).toBe(1);
    expect(output.join('')).toMatch(/Not recorded: missing or unknown approver token/);
    expect(await aiopsApprove(tokens.mallory, id)).toBe(1);
    expect(output.join('')).toMatch(/Not recorded: mallory may not approve k8s-rollout-restart v1/);
    expect(await aiopsApprove(tokens.alice, 'INC-does-not-exist')).toBe(1);
    expect(output.join('')).toMatch(/no runbook is running for incident INC-does-not-exist/);
    expect(await approvalsOfIncident(pool, id)).toEqual([]);
    await handle.cancel();
  });
});
