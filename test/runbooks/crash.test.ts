import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookWorkflow } from '../../runbooks/sdk/runbook';
import { startK8sStandin, type K8sStandin } from '../k8s-standin/server';
import { startSshd, type TestSshd } from '../fixtures/sshd/sshd';
import { connectTemporal, type TemporalTestEnv } from '../setup/temporal';
import { bundleFixtureRunbooks, incidentId } from './harness';
import type { WorkerSettings } from './worker-process';

/**
 * Crash safety: the worker process is SIGKILLed while a Kubernetes action waits for its rollout
 * and again while an SSH script runs; fresh workers finish the run, and the stand-in and the
 * SSH host see every action exactly once.
 */
describe('a worker killed mid-runbook', () => {
  let env: TemporalTestEnv;
  let k8s: K8sStandin;
  let sshd: TestSshd;
  let settings: WorkerSettings;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // Rollouts take 4 s, so each Kubernetes step is in progress long enough to be killed.
    [env, k8s, sshd] = await Promise.all([
      connectTemporal(),
      startK8sStandin({ rolloutDelayMs: 4000 }),
      startSshd(),
    ]);
    const slow = await sshd.script(
      'slow',
      `echo run >> ${sshd.dir}/slow.log; sleep 4; echo finished >> ${sshd.dir}/slow.log`,
    );
    const bundlePath = join(sshd.dir, 'fixture-bundle.js');
    const kubeconfigPath = join(sshd.dir, 'kubeconfig');
    const privateKeyPath = join(sshd.dir, 'user_ed25519_key');
    await Promise.all([
      bundleFixtureRunbooks().then((code) => writeFile(bundlePath, code)),
      writeFile(kubeconfigPath, k8s.kubeconfig()),
    ]);
    settings = {
      address: inject('temporalAddress'),
      taskQueue: env.taskQueue,
      bundlePath,
      databaseUrl: inject('databaseUrl'),
      kubeconfigPath,
      ssh: {
        username: sshd.username,
        port: sshd.port,
        privateKeyPath,
        pins: { knownHosts: sshd.knownHosts },
        scripts: { slow: { command: [slow] } },
        markerDir: join(sshd.dir, 'markers'),
      },
    };
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all([k8s?.close(), sshd?.stop()]);
    await env?.close();
  });

  /** A worker process; resolves once it polls. */
  async function startWorkerProcess(): Promise<ChildProcess> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(__dirname, 'worker-process.ts')],
      {
        env: { ...process.env, WORKER_SETTINGS: JSON.stringify(settings) },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    const [line] = (await Promise.race([
      once(child.stdout as NodeJS.ReadableStream, 'data'),
      once(child, 'exit').then(() => {
        throw new Error('worker process exited before it was ready');
      }),
    ])) as [Buffer];
    expect(String(line)).toContain('ready');
    return child;
  }

  async function kill(child: ChildProcess) {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('condition not reached');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it(
    'completes the run without repeating a completed or in-flight action',
    { timeout: 180_000 },
    async () => {
      const id = incidentId('crash');
      const namespace = id.toLowerCase();
      k8s.addDeployment(namespace, 'web', { replicas: 2, image: 'web:1' });
      const applied = (path: string) =>
        k8s.patches.filter(
          (p) =>
            p.namespace === namespace && p.status === 200 && p.ops.some((o) => o.path === path),
        ).length;
      const slowRuns = async () =>
        (await readFile(join(sshd.dir, 'slow.log'), 'utf8').catch(() => ''))
          .split('\n')
          .filter((l) => l === 'run').length;

      const first = await startWorkerProcess();
      const handle = await env.client.workflow.start<RunbookWorkflow>('testLongStepsV1', {
        taskQueue: env.taskQueue,
        workflowId: runbookWorkflowId(id),
        args: [{ incidentId: id, service: 'web', namespace, host: sshd.host }],
      });
      // Kill 1: the restart is applied and its rollout is being waited for.
      await until(() => applied('/spec/template/metadata/annotations') === 1);
      await kill(first);

      const second = await startWorkerProcess();
      // Kill 2: the SSH script is running on the host.
      await until(async () => (await slowRuns()) === 1);
      await kill(second);

      await startWorkerProcess();
      const result = await handle.result();
      expect(result.outcome).toBe('succeeded');
      expect(result.steps.map((s) => [s.name, s.status])).toEqual([
        ['scale-web', 'succeeded'],
        ['restart-web', 'succeeded'],
        ['slow-script', 'succeeded'],
      ]);
      // The retried SSH attempt attached to the run the killed worker had started.
      expect(result.steps[2]?.summary).toMatch(/already run by an earlier attempt/);
      expect(applied('/spec/replicas')).toBe(1);
      expect(applied('/spec/template/metadata/annotations')).toBe(1);
      expect(await slowRuns()).toBe(1);
      expect(k8s.deployment(namespace, 'web')?.spec.replicas).toBe(3);
    },
  );
});
