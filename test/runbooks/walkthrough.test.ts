import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveUpdate, runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookWorkflow } from '../../runbooks/sdk/runbook';
import { validateRunbookFile } from '../../worker/commands/runbook-validate';
import {
  awaitingApproval,
  incidentId,
  signedAnswer,
  startKubernetesRunbookRig,
  waitForStatus,
  type KubernetesRunbookRig,
} from './harness';

const file = join(__dirname, 'walkthrough', 'drain-cache.ts');

/** README's "Writing a runbook", followed as a new user would: the file, validate, run. */
describe('the README walk-through runbook', () => {
  let rig: KubernetesRunbookRig;

  beforeAll(async () => {
    const bundle = await bundleWorkflowCode({
      workflowsPath: file,
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    rig = await startKubernetesRunbookRig({ rolloutDelayMs: 100, code: bundle.code });
  });
  afterAll(() => rig?.stop());

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
    rig.k8s.addDeployment('shop', 'cache', { replicas: 3, image: 'redis:7' });
    const id = incidentId('walkthrough');
    const handle = await rig.env.client.workflow.start<RunbookWorkflow>('drainCacheV1', {
      taskQueue: rig.env.taskQueue,
      workflowId: runbookWorkflowId(id),
      args: [{ incidentId: id, service: 'cache', namespace: 'shop', deployment: 'cache' }],
    });
    await waitForStatus(handle, awaitingApproval);
    await handle.executeUpdate(
      approveUpdate,
      await signedAnswer(handle, { decision: 'approve', approver: 'alice' }),
    );
    expect((await handle.result()).outcome).toBe('succeeded');
    expect(rig.k8s.deployment('shop', 'cache')?.spec.replicas).toBe(0);
  });
});
