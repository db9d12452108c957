import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { approveUpdate, runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookWorkflow } from '../../runbooks/sdk/runbook';
import { createPool, type Pool } from '../../store/db';
import { validateRunbookFile } from '../../worker/commands/runbook-validate';
import { startK8sStandin, type K8sStandin } from '../k8s-standin/server';
import { connectTemporal, type TemporalTestEnv } from '../setup/temporal';
import {
  awaitingApproval,
  FakeHealth,
  incidentId,
  kubeConfigFor,
  signedAnswer,
  startRunbookWorker,
  testPolicy,
  waitForStatus,
  type RunningWorker,
} from './harness';

const file = join(__dirname, 'walkthrough', 'drain-cache.ts');

/** README's "Writing a runbook", followed as a new user would: the file, validate, run. */
describe('the README walk-through runbook', () => {
  let env: TemporalTestEnv;
  let pool: Pool;
  let k8s: K8sStandin;
  let worker: RunningWorker;

  beforeAll(async () => {
    [env, k8s] = await Promise.all([connectTemporal(), startK8sStandin({ rolloutDelayMs: 100 })]);
    pool = createPool(inject('databaseUrl'));
    const bundle = await bundleWorkflowCode({
      workflowsPath: file,
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    worker = await startRunbookWorker({
      taskQueue: env.taskQueue,
      code: bundle.code,
      deps: {
        pool,
        kube: (await kubeConfigFor(k8s)).kube,
        health: new FakeHealth(),
        approvalPolicy: testPolicy,
      },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await k8s?.close();
    await pool?.end();
    await env?.close();
  });

  it('is the runbook the README shows', async () => {
    const readme = await readFile(resolve(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Writing a runbook'));
    const shown = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    const tested = (await readFile(file, 'utf8')).replace("'../../../runbooks/sdk'", "'./sdk'");
    expect(shown).toBe(tested);
  });

  it('passes aiops runbooks validate', { timeout: 600_000 }, async () => {
    expect(await validateRunbookFile(file)).toEqual([]);
  });

  it('runs: approved, scales to zero, verified', async () => {
    k8s.addDeployment('shop', 'cache', { replicas: 3, image: 'redis:7' });
    const id = incidentId('walkthrough');
    const handle = await env.client.workflow.start<RunbookWorkflow>('drainCacheV1', {
      taskQueue: env.taskQueue,
      workflowId: runbookWorkflowId(id),
      args: [{ incidentId: id, service: 'cache', namespace: 'shop', deployment: 'cache' }],
    });
    await waitForStatus(handle, awaitingApproval);
    await handle.executeUpdate(
      approveUpdate,
      await signedAnswer(handle, { decision: 'approve', approver: 'alice' }),
    );
    expect((await handle.result()).outcome).toBe('succeeded');
    expect(k8s.deployment('shop', 'cache')?.spec.replicas).toBe(0);
  });
});
