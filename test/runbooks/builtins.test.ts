import { readdir, readFile } from 'node:fs/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { createSlackClient } from '../../activities/slack';
import { latestRunbook, runbookCatalog, runbooksFor } from '../../runbooks/catalog';
import * as workflows from '../../workflows';
import { approveUpdate, runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookWorkflow } from '../../runbooks/sdk/runbook';
import type { RunbookInput } from '../../runbooks/sdk/types';
import { createPool, type Pool } from '../../store/db';
import { startK8sStandin, type K8sStandin } from '../k8s-standin/server';
import { startFlagService, type FlagService } from '../fixtures/flag-service';
import { startSlackStandin, type SlackStandin } from '../fixtures/slack-standin/server';
import { startSshd, type TestSshd } from '../fixtures/sshd/sshd';
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
  signedAnswer,
  hostAndFlagTargets,
} from './harness';

/** Every built-in runbook, run by the engine's own workflow bundle against real(istic) targets. */
describe('built-in runbooks', () => {
  let env: TemporalTestEnv;
  let pool: Pool;
  let k8s: K8sStandin;
  let sshd: TestSshd;
  let slack: SlackStandin;
  let flags: FlagService;
  let worker: RunningWorker;
  let deps: ActivityDeps;
  const health = new FakeHealth();

  beforeAll(async () => {
    [env, k8s, sshd, slack, flags] = await Promise.all([
      connectTemporal(),
      startK8sStandin({ rolloutDelayMs: 300 }),
      startSshd(),
      startSlackStandin(),
      startFlagService(),
    ]);
    const targets = await hostAndFlagTargets(sshd, flags, 'a line\n');
    pool = createPool(inject('databaseUrl'));
    const systemctl = await sshd.script('systemctl', `echo "$@" >> ${sshd.dir}/systemctl.log`);
    const flush = await sshd.script('flush-cache', `echo "flush $*" >> ${sshd.dir}/cache.log`);
    const warm = await sshd.script('warm-cache', `echo "warm $*" >> ${sshd.dir}/cache.log`);
    deps = {
      pool,
      kube: (await kubeConfigFor(k8s)).kube,
      ssh: {
        ...targets.ssh,
        scripts: {
          'flush-cache': { command: [flush], undo: 'warm-cache' },
          'warm-cache': { command: [warm] },
        },
        systemctl,
      },
      flags: targets.flags,
      slack: { client: createSlackClient('xoxb-test', slack.apiUrl), channel: 'C0INCIDENTS' },
      health,
      approvalPolicy: testPolicy,
      postgres: { databases: { payments: inject('databaseUrl') } },
    };
    worker = await startRunbookWorker({ taskQueue: env.taskQueue, deps });
  });
  afterAll(async () => {
    await worker?.stop();
    await Promise.all([k8s?.close(), sshd?.stop(), slack?.close(), flags?.close()]);
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

  async function approveAs(handle: WorkflowHandle<RunbookWorkflow>, ...approvers: string[]) {
    await waitForStatus(handle, awaitingApproval);
    for (const approver of approvers) {
      await handle.executeUpdate(
        approveUpdate,
        await signedAnswer(handle, { decision: 'approve', approver }),
      );
    }
  }

  it('k8s-rollout-restart: approved, restarts once, verifies', async () => {
    k8s.addDeployment('shop', 'cart', { replicas: 3, image: 'cart:7' });
    const handle = await start(
      'k8sRolloutRestartV1',
      { service: 'cart', namespace: 'shop', deployment: 'cart' },
      'restart',
    );
    await approveAs(handle, 'alice');
    const result = await handle.result();
    expect(result).toMatchObject({
      outcome: 'succeeded',
      runbook: { name: 'k8s-rollout-restart', version: 1 },
    });
    expect(result.steps).toMatchObject([
      { name: 'rollout-restart', summary: 'restarted deployment shop/cart' },
    ]);
    const patches = k8s.patches.filter((p) => p.name === 'cart');
    expect(patches).toHaveLength(1);
    const template = k8s.deployment('shop', 'cart')?.spec.template as {
      metadata: { annotations: Record<string, string> };
    };
    expect(template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
    // The approval request went to Slack, and was edited once approved.
    const request = await slack.waitFor('chat.postMessage', (a) =>
      String(a.text).includes(handle.workflowId.slice(8)),
    );
    const edited = slack.messages.get(String((await slack.waitFor('chat.update')).args.ts));
    expect(request.args.channel).toBe('C0INCIDENTS');
    expect(JSON.stringify(edited?.blocks)).toContain('APPROVED');
  });

  it('k8s-rollback: back to the previous revision', async () => {
    expect(latestRunbook('k8s-rollback')?.workflowType).toBe('k8sRollbackV2');
    k8s.addDeployment('shop', 'checkout', { replicas: 2, image: 'checkout:1' });
    k8s.release('shop', 'checkout', 'checkout:2');
    const handle = await start(
      'k8sRollbackV2',
      {
        service: 'checkout',
        namespace: 'shop',
        deployment: 'checkout',
        rootCause: { service: 'checkout', kind: 'errors', score: 0.9 },
      },
      'rollback',
    );
    await approveAs(handle, 'bob');
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    expect(result.steps[0]?.summary).toBe(
      'rolled deployment shop/checkout back from revision 2 to 1',
    );
    const template = k8s.deployment('shop', 'checkout')?.spec.template as {
      spec: { containers: { image: string }[] };
    };
    expect(template.spec.containers[0]?.image).toBe('checkout:1');
  });

  it('k8s-rollback with nothing to roll back to: says so while planning, asks no approval, changes nothing', async () => {
    k8s.addDeployment('shop', 'ads', { replicas: 2, image: 'ads:1' });
    const before = k8s.patches.length;
    const handle = await start(
      'k8sRollbackV2',
      {
        service: 'ads',
        namespace: 'shop',
        deployment: 'ads',
        rootCause: { service: 'ads', kind: 'errors', score: 0.9 },
      },
      'rollback-none',
    );
    const result = await handle.result();
    expect(result.outcome).toBe('not_applicable');
    expect(result.reason).toBe(
      'deployment shop/ads is at revision 1 and has no earlier one: there is nothing to roll back to',
    );
    expect(result.plan).toEqual([
      expect.objectContaining({ kind: 'inspect', name: 'read-revisions' }),
      expect.objectContaining({ kind: 'step', name: 'notify-nothing-to-roll-back' }),
    ]);
    expect(result.approvals).toEqual([]);
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ['notify-nothing-to-roll-back', 'succeeded'],
    ]);
    const notice = await slack.waitFor('chat.postMessage', (a) =>
      String(a.text).includes('shop/ads'),
    );
    expect(String(notice.args.text)).toContain(
      'Not rolling back: deployment shop/ads is at revision 1 and has no earlier one',
    );
    expect(k8s.patches.length).toBe(before);
  });

  it('k8s-scale-out (latest, v2): low risk runs without approval', async () => {
    k8s.addDeployment('shop', 'search', { replicas: 4, image: 'search:1' });
    const latest = latestRunbook('k8s-scale-out');
    expect(latest?.workflowType).toBe('k8sScaleOutV2');
    const handle = await start(
      latest?.workflowType ?? '',
      { service: 'search', namespace: 'shop', deployment: 'search' },
      'scale',
    );
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    expect(result.approvals).toMatchObject([{ decision: 'auto_approved', via: 'policy' }]);
    expect(k8s.deployment('shop', 'search')?.spec.replicas).toBe(6);
  });

  it('k8s-pause-rollout: pauses; pausing again changes nothing', async () => {
    k8s.addDeployment('shop', 'pricing', { replicas: 2, image: 'pricing:1' });
    const handle = await start(
      'k8sPauseRolloutV1',
      { service: 'pricing', namespace: 'shop', deployment: 'pricing' },
      'pause',
    );
    const result = await handle.result();
    // Low risk: the policy lets it pass its gate by itself.
    expect(result.outcome).toBe('succeeded');
    expect(result.steps[0]?.summary).toBe('paused the rollout of deployment shop/pricing');
    const spec = k8s.deployment('shop', 'pricing')?.spec as { paused?: boolean };
    expect(spec.paused).toBe(true);
    const again = await start(
      'k8sPauseRolloutV1',
      { service: 'pricing', namespace: 'shop', deployment: 'pricing' },
      'pause-again',
    );
    expect((await again.result()).steps[0]?.summary).toBe(
      'deployment shop/pricing rollout already paused',
    );
  });

  it('ssh-restart-unit: systemctl restart over SSH', async () => {
    const handle = await start(
      'sshRestartUnitV1',
      { service: 'billing', host: sshd.host, unit: 'billing.service' },
      'unit',
    );
    await approveAs(handle, 'alice');
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    expect(await readFile(`${sshd.dir}/systemctl.log`, 'utf8')).toBe(
      'restart -- billing.service\n',
    );
  });

  it('ssh-run-script: high risk needs two approvers; rolling back runs its undo script', async () => {
    health.unhealthy.add('ledger');
    const handle = await start(
      'sshRunScriptV1',
      {
        service: 'ledger',
        host: sshd.host,
        script: { name: 'flush-cache', args: ['eu-west', '--all'] },
      },
      'script',
    );
    const status = await waitForStatus(handle, awaitingApproval);
    expect(status.awaiting?.required).toBe(2);
    // Verification (10 min window) would take too long to fail; cancelling rolls back the same way.
    await approveAs(handle, 'alice', 'bob');
    await waitForStatus(handle, (s) => s.phase === 'verifying');
    await handle.cancel();
    const result = await handle.result();
    expect(result.outcome).toBe('rolled_back');
    expect(result.steps[0]?.compensation?.status).toBe('succeeded');
    expect(await readFile(`${sshd.dir}/cache.log`, 'utf8')).toBe(
      'flush eu-west --all\nwarm eu-west --all\n',
    );
  });

  it('notify-only: posts to the incident channel and changes nothing', async () => {
    const before = k8s.patches.length;
    const handle = await start(
      'notifyOnlyV1',
      { service: 'cart', summary: 'p95 latency up 4x' },
      'notify',
    );
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    const post = await slack.waitFor('chat.postMessage', (a) =>
      String(a.text).includes('p95 latency up 4x'),
    );
    expect(post.args.channel).toBe('C0INCIDENTS');
    expect(k8s.patches.length).toBe(before);
  });

  it('fails before acting when the input lacks what the runbook needs', async () => {
    const handle = await start('k8sRollbackV1', { service: 'cart' }, 'noinput');
    expect(await handle.result()).toMatchObject({
      outcome: 'failed',
      reason: 'input is missing deployment',
      steps: [],
    });
  });

  it('dry runs of every catalog entry return the plan and touch nothing', async () => {
    const markers = () =>
      readdir(`${sshd.dir}/markers`).then(
        (m) => m.length,
        () => 0,
      );
    const patches = k8s.patches.length;
    const posts = slack.calls.length;
    const remoteRuns = await markers();
    for (const entry of runbookCatalog) {
      expect(typeof (workflows as Record<string, unknown>)[entry.workflowType]).toBe('function');
      const handle = await start(
        entry.workflowType,
        {
          service: 'cart',
          namespace: 'shop',
          deployment: 'cart',
          host: sshd.host,
          unit: 'cart.service',
          script: { name: 'flush-cache' },
          database: 'payments',
          statefulset: 'cart',
          daemonset: 'cart',
          node: 'node-1',
          hpa: 'cart',
          cleanup: 'dumps',
          log: 'app',
          flag: 'new-checkout',
          dryRun: true,
        },
        `dry-${entry.name}`,
      );
      const result = await handle.result();
      expect(result).toMatchObject({
        outcome: 'dry_run',
        runbook: { name: entry.name, version: entry.version },
      });
      const steps = result.plan.filter((p) => p.kind === 'step');
      expect(steps.length).toBeGreaterThan(0);
      const risks = ['low', 'medium', 'high'];
      // An inspection that finds nothing to act on leaves only lower-risk steps in the plan.
      const highest = Math.max(...steps.map((s) => risks.indexOf(s.risk)));
      const inspected = result.plan.some((p) => p.kind === 'inspect');
      if (inspected) expect(highest).toBeLessThanOrEqual(risks.indexOf(entry.risk));
      else expect(risks[highest]).toBe(entry.risk);
      for (const gate of result.plan.filter((p) => p.kind === 'approval')) {
        expect(gate.required).toBe(entry.risk === 'high' ? 2 : entry.risk === 'medium' ? 1 : 0);
      }
    }
    expect(k8s.patches.length).toBe(patches);
    expect(slack.calls.length).toBe(posts);
    expect(await markers()).toBe(remoteRuns);
  });

  it('the catalog offers the fitting runbooks, least risky first', () => {
    const input: RunbookInput = {
      incidentId: 'x',
      service: 'cart',
      deployment: 'cart',
      rootCause: { service: 'cart', kind: 'saturation', score: 1 },
    };
    expect(runbooksFor(input).map((e) => `${e.name}@${e.version}`)).toEqual([
      'k8s-scale-out@2',
      'notify-only@1',
      'k8s-rollout-restart@1',
    ]);
    // A leak: more replicas would only leak too, a restart clears it.
    const leak = { ...input, rootCause: { service: 'cart', kind: 'memory' as const, score: 1 } };
    expect(runbooksFor(leak).map((e) => e.name)).toEqual(['notify-only', 'k8s-rollout-restart']);
    expect(runbooksFor({ incidentId: 'x', service: 'cart' }).map((e) => e.name)).toEqual([
      'notify-only',
    ]);
  });
});
