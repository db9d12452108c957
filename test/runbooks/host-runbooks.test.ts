import { utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { createSlackClient } from '../../activities/slack';
import { runbookCatalog } from '../../runbooks/catalog';
import { approveUpdate, runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookWorkflow } from '../../runbooks/sdk/runbook';
import type { RunbookInput } from '../../runbooks/sdk/types';
import { createPool, type Pool } from '../../store/db';
import { startFlagService, type FlagService } from '../fixtures/flag-service';
import { startSlackStandin, type SlackStandin } from '../fixtures/slack-standin/server';
import { startSshd, type TestSshd } from '../fixtures/sshd/sshd';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../pagerduty-standin/server';
import { connectTemporal, type TemporalTestEnv } from '../setup/temporal';
import {
  awaitingApproval,
  FakeHealth,
  hostAndFlagTargets,
  incidentId,
  signedAnswer,
  startRunbookWorker,
  testPolicy,
  waitForStatus,
  type RunningWorker,
} from './harness';

/** The host, flag and escalation runbooks, run by the engine's bundle against real targets. */
describe('host, flag and escalation runbooks', () => {
  let env: TemporalTestEnv;
  let pool: Pool;
  let sshd: TestSshd;
  let slack: SlackStandin;
  let flags: FlagService;
  let pagerDuty: PagerDutyStandIn;
  let worker: RunningWorker;
  let spool: string;
  const health = new FakeHealth();
  const old = new Date(Date.now() - 2 * 3600_000);

  beforeAll(async () => {
    [env, sshd, slack, flags, pagerDuty] = await Promise.all([
      connectTemporal(),
      startSshd(),
      startSlackStandin(),
      startFlagService(),
      startPagerDutyStandIn(),
    ]);
    pool = createPool(inject('databaseUrl'));
    spool = `${sshd.dir}/spool`;
    const deps: ActivityDeps = {
      pool,
      ...(await hostAndFlagTargets(sshd, flags, 'a lot of lines\n')),
      escalation: { pagerDuty: { routingKey: 'k'.repeat(32), url: pagerDuty.url } },
      slack: { client: createSlackClient('xoxb-test', slack.apiUrl), channel: 'C0INCIDENTS' },
      health,
      approvalPolicy: testPolicy,
    };
    worker = await startRunbookWorker({ taskQueue: env.taskQueue, deps });
  });
  afterAll(async () => {
    await worker?.stop();
    await Promise.all([sshd?.stop(), slack?.close(), flags?.close(), pagerDuty?.close()]);
    await pool?.end();
    await env?.close();
  });

  function start(workflowType: string, input: Omit<RunbookInput, 'incidentId'>, label: string) {
    const id = incidentId(label);
    return env.client.workflow.start<RunbookWorkflow>(workflowType, {
      taskQueue: env.taskQueue,
      workflowId: runbookWorkflowId(id),
      args: [{ incidentId: id, ...input }],
    });
  }

  async function approve(handle: WorkflowHandle<RunbookWorkflow>) {
    await waitForStatus(handle, awaitingApproval);
    await handle.executeUpdate(
      approveUpdate,
      await signedAnswer(handle, { decision: 'approve', approver: 'alice' }),
    );
  }

  const host = () => ({ service: 'batch', host: sshd.host });

  it('host-free-disk: the dry run lists the files with sizes and deletes nothing', async () => {
    await writeFile(`${spool}/core.1`, Buffer.alloc(4096));
    await utimes(`${spool}/core.1`, old, old);
    const handle = await start(
      'hostFreeDiskV1',
      { ...host(), cleanup: 'dumps', dryRun: true },
      'disk-dry',
    );
    const result = await handle.result();
    expect(result.outcome).toBe('dry_run');
    expect(result.plan.map((p) => [p.kind, p.name])).toEqual([
      ['inspect', 'find-files'],
      ['approval', 'approve'],
      ['step', 'delete-files'],
    ]);
    expect(result.plan[0]).toMatchObject({ found: expect.stringMatching(/core\.1 \(4\.0 KiB\)/) });
    expect(result.plan[2]).toMatchObject({ undo: expect.stringMatching(/^cannot be undone/) });
    expect(existsSync(`${spool}/core.1`)).toBe(true);
  });

  it('host-free-disk: approved, deletes the listed files', async () => {
    const handle = await start('hostFreeDiskV1', { ...host(), cleanup: 'dumps' }, 'disk');
    await approve(handle);
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    expect(result.steps[0]?.summary).toMatch(/^deleted 1 file\(s\), 4\.0 KiB in /);
    expect(existsSync(`${spool}/core.1`)).toBe(false);
  });

  it('host-rotate-logs: the dry run plans the rotation, the low-risk run rotates', async () => {
    const dry = await start('hostRotateLogsV1', { ...host(), log: 'app', dryRun: true }, 'rot-dry');
    const plan = (await dry.result()).plan;
    expect(plan).toMatchObject([
      { kind: 'approval', required: 0 },
      { kind: 'step', name: 'rotate-log' },
    ]);
    const run = await start('hostRotateLogsV1', { ...host(), log: 'app' }, 'rot');
    const result = await run.result();
    expect(result.outcome).toBe('succeeded');
    expect(result.approvals[0]?.decision).toBe('auto_approved');
    expect(result.steps[0]?.summary).toMatch(/app\.log -> .*\(15 bytes\)/);
  });

  it('flag-revert: dry run shows the change; the run sets the safe value, verifies', async () => {
    const input = { service: 'checkout', flag: 'new-checkout' };
    const dry = await (
      await start('flagRevertV1', { ...input, dryRun: true }, 'flag-dry')
    ).result();
    expect(dry.plan[0]).toMatchObject({ kind: 'inspect', found: expect.stringMatching(/is true/) });
    expect(dry.plan[2]).toMatchObject({ describe: 'set flag new-checkout from true to false' });
    expect(flags.flags['new-checkout']).toBe(true);

    const handle = await start('flagRevertV1', input, 'flag');
    await approve(handle);
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    expect(flags.flags['new-checkout']).toBe(false);
  });

  it('escalations: dry runs plan notify then page; runs page PagerDuty once each', async () => {
    for (const workflowType of ['escalateDependencyOutageV1', 'escalateCertificateExpiryV1']) {
      const input = { service: 'checkout', summary: 'payments-api unreachable' };
      const dry = await (await start(workflowType, { ...input, dryRun: true }, 'esc-dry')).result();
      expect(dry.plan.map((p) => p.name)).toEqual(['notify', 'page']);
      const handle = await start(workflowType, input, 'esc');
      const result = await handle.result();
      expect(result.outcome).toBe('succeeded');
      const paged = pagerDuty.events.filter((e) =>
        String(e.dedup_key).startsWith(handle.workflowId),
      );
      expect(paged).toHaveLength(1);
    }
  });

  it('every runbook of this round is in the catalog under the incidents it fits', () => {
    const kinds = Object.fromEntries(runbookCatalog.map((e) => [e.name, e.incidentKinds]));
    expect(kinds['host-free-disk']).toContain('disk-full');
    expect(kinds['host-rotate-logs']).toContain('log-growth');
    expect(kinds['flag-revert']).toContain('config-error-burst');
    expect(kinds['escalate-dependency-outage']).toEqual(['dependency-outage']);
    expect(kinds['escalate-certificate-expiry']).toEqual(['certificate-expiry']);
  });
});
