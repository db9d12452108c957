import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunbookInputError } from '../../runbooks/sdk/context';
import { showText } from '../../worker/commands/runbook-describe';
import { validateRunbookFile } from '../../worker/commands/runbook-validate';
import {
  cliRunInput,
  collectInput,
  resultText,
  startRunbook,
} from '../../worker/commands/runbooks';
import {
  awaitingApproval,
  signedAnswer,
  startKubernetesRunbookRig,
  waitForStatus,
  type KubernetesRunbookRig,
} from './harness';
import { approveUpdate } from '../../runbooks/sdk/messages';

const root = join(__dirname, '..', '..');

async function aiops(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(root, 'bin', 'aiops.js'), ...args],
      { timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('aiops runbooks: reading the catalog', () => {
  it('list: one line per runbook with its latest version, risk and incidents', async () => {
    const { code, stdout } = await aiops('runbooks', 'list');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+VERSION\s+RISK\s+INCIDENTS/);
    expect(lines.find((l) => l.startsWith('k8s-scale-out'))).toMatch(
      /k8s-scale-out\s+v2\s+low\s+cpu-saturation,traffic-surge/,
    );
  });

  it('show: inputs, and the plan with each step and its undo', async () => {
    const text = await showText('k8s-rollback');
    expect(text).toContain('deployment: string  the Deployment to act on');
    expect(text).toContain('namespace?: string');
    expect(text).toMatch(/step rollback \(medium risk, k8sRollbackDeployment\)/);
    expect(text).toContain('undo: roll forward to the revision it replaced');
  });

  it('an unknown name or a missing input is one clear line, and nothing starts', async () => {
    const unknown = await aiops('runbooks', 'run', 'k8s-rolback', '--input', 'service=cart');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /^aiops: no runbook named k8s-rolback; the catalog has: .*k8s-rollback/,
    );
    expect(() => cliRunInput('k8s-rollback', { service: 'cart' }, 'i', true)).toThrow(
      new RunbookInputError('input is missing deployment'),
    );
    expect(() => collectInput('script={"name":', {})).toThrow(/not valid JSON/);
    expect(collectInput('script={"name":"x"}', { a: 'b' })).toEqual({
      a: 'b',
      script: { name: 'x' },
    });
  });
});

describe('aiops runbooks validate', () => {
  it('passes a built-in runbook', { timeout: 600_000 }, async () => {
    expect(await validateRunbookFile(join(root, 'runbooks', 'k8s-rollback.ts'))).toEqual([]);
  });

  it('names each broken rule of a bad one', { timeout: 600_000 }, async () => {
    const problems = await validateRunbookFile(join(__dirname, 'validate', 'bad-runbook.ts'));
    expect(problems).toEqual([
      expect.stringMatching(/bad-runbook.ts:2:1 'node:fs' import is restricted.*deterministic/),
      expect.stringMatching(/bad-runbook.ts:11:5 Promises must be awaited.*no-floating-promises/),
      'restartEverything (Restart_Everything v1): name is not kebab-case',
      'restartEverything (Restart_Everything v1): export it as Restart_EverythingV1 (that name is its workflow type)',
      "restartEverything (Restart_Everything v1): planning failed: runbook Restart_Everything v1: step restart is medium risk, above the runbook's low",
    ]);
  });
});

describe('aiops runbooks dry-run and run, on a real Temporal', () => {
  let rig: KubernetesRunbookRig;

  beforeAll(async () => {
    rig = await startKubernetesRunbookRig({ rolloutDelayMs: 200 });
  });
  afterAll(() => rig?.stop());

  const fields = { service: 'cart', namespace: 'shop', deployment: 'cart' };

  it('dry-run: the plan with the approvals the policy asks for; the Deployment is untouched', async () => {
    rig.k8s.addDeployment('shop', 'cart', { replicas: 2, image: 'cart:1' });
    rig.k8s.release('shop', 'cart', 'cart:2');
    const run = cliRunInput('k8s-rollback', fields, `cli-dry-${Date.now()}`, true);
    const result = await (await startRunbook(rig.env.client, rig.env.taskQueue, run)).result();
    expect(result.outcome).toBe('dry_run');
    expect(resultText(result)).toMatch(
      /approval approve by oncall within 30 minutes, 1 approval\(s\) needed/,
    );
    expect(rig.k8s.patches).toHaveLength(0);
  });

  it('run: approval-gated, then acts', async () => {
    const run = cliRunInput('k8s-rollback', fields, `cli-run-${Date.now()}`, false);
    const handle = await startRunbook(rig.env.client, rig.env.taskQueue, run);
    await waitForStatus(handle, awaitingApproval);
    expect(rig.k8s.patches).toHaveLength(0);
    await handle.executeUpdate(
      approveUpdate,
      await signedAnswer(handle, { decision: 'approve', approver: 'alice' }),
    );
    const result = await handle.result();
    expect(resultText(result)).toContain(
      'step rollback: succeeded, rolled deployment shop/cart back from revision 2 to 1',
    );
  });
});
