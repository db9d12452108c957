import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivities, type ActivityDeps } from '../../activities';
import type { HealthSource } from '../../activities/health';
import { loadKubeConfig } from '../../activities/kubernetes';
import { approveUpdate, runbookStatusQuery, runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookWorkflow } from '../../runbooks/sdk/runbook';
import type { RunbookInput, RunbookStatus } from '../../runbooks/sdk/types';
import type { FlagService } from '../fixtures/flag-service';
import { sshLogin, type TestSshd } from '../fixtures/sshd/sshd';
import { createPool } from '../../store/db';
import { startK8sStandin, type K8sStandin } from '../k8s-standin/server';
import { connectTemporal, quietRuntime, type TemporalTestEnv } from '../setup/temporal';

import { FakeHealth, signedAnswer, testPolicy } from './fakes';

export { FakeHealth, signedAnswer, testAuthority, testPolicy } from './fakes';

/**
 * The allow-listed targets of the host and flag runbooks: the sshd as a host (no scripts), its
 * spool's core dumps as the cleanup `dumps`, its app.log (holding `logText`) as the log `app`,
 * and the flag `new-checkout` on the flag service (safe value false).
 */
export async function hostAndFlagTargets(
  sshd: TestSshd,
  flags: FlagService,
  logText: string,
): Promise<{ ssh: NonNullable<ActivityDeps['ssh']>; flags: NonNullable<ActivityDeps['flags']> }> {
  await mkdir(`${sshd.dir}/spool`);
  await writeFile(`${sshd.dir}/app.log`, logText);
  return {
    ssh: {
      ...sshLogin(sshd),
      scripts: {},
      markerDir: `${sshd.dir}/markers`,
      cleanups: { dumps: { dir: `${sshd.dir}/spool`, names: ['core.*'] } },
      logs: { app: { copyTruncate: [`${sshd.dir}/app.log`] } },
    },
    flags: {
      'new-checkout': {
        method: 'PUT',
        field: 'enabled',
        safe: false,
        url: `${flags.url}/flags/new-checkout`,
        headers: { Authorization: 'Bearer t0k3n' },
      },
    },
  };
}

/** The kubeconfig of a stand-in, written to a file as operators would have it. */
export async function kubeConfigFor(standin: K8sStandin) {
  const dir = await mkdtemp(join(tmpdir(), 'aiops-kube-'));
  const path = join(dir, 'kubeconfig');
  await writeFile(path, standin.kubeconfig());
  return { path, kube: loadKubeConfig(path) };
}

/** The test-only runbooks of fixture-runbooks.ts, bundled like the worker bundles its own. */
export async function bundleFixtureRunbooks(): Promise<string> {
  const bundle = await bundleWorkflowCode({
    workflowsPath: resolve(__dirname, 'fixture-runbooks.ts'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
  });
  return bundle.code;
}

export interface RunningWorker {
  stop(): Promise<void>;
}

/** A worker serving `taskQueue` with the given workflow code (default: the engine's bundle). */
export async function startRunbookWorker(opts: {
  taskQueue: string;
  deps: ActivityDeps;
  code?: string;
}): Promise<RunningWorker> {
  quietRuntime();
  const code = opts.code ?? (await readFile(inject('workflowBundlePath'), 'utf8'));
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await Worker.create({
    connection,
    taskQueue: opts.taskQueue,
    workflowBundle: { code },
    activities: createActivities(opts.deps),
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** A real Temporal and the Kubernetes stand-in, with a runbook worker acting on the stand-in. */
export interface KubernetesRunbookRig {
  env: TemporalTestEnv;
  k8s: K8sStandin;
  stop(): Promise<void>;
}

/**
 * The start-up of the tests that start runbooks as a client would, on the engine's bundle or
 * on `code` (a runbook of the test's own): Temporal, the stand-in, a worker with `health` (a
 * fake that always answers healthy unless the test brings its own).
 */
export async function startKubernetesRunbookRig(opts: {
  rolloutDelayMs: number;
  code?: string;
  health?: HealthSource;
}): Promise<KubernetesRunbookRig> {
  const [env, k8s] = await Promise.all([
    connectTemporal(),
    startK8sStandin({ rolloutDelayMs: opts.rolloutDelayMs }),
  ]);
  const pool = createPool(inject('databaseUrl'));
  const worker = await startRunbookWorker({
    taskQueue: env.taskQueue,
    ...(opts.code !== undefined && { code: opts.code }),
    deps: {
      pool,
      kube: (await kubeConfigFor(k8s)).kube,
      health: opts.health ?? new FakeHealth(),
      approvalPolicy: testPolicy,
    },
  });
  return {
    env,
    k8s,
    async stop() {
      await worker.stop();
      await k8s.close();
      await pool.end();
      await env.close();
    },
  };
}

/** Polls the run's status until `ready` holds (e.g. it waits at a gate). */
export async function waitForStatus(
  handle: WorkflowHandle,
  ready: (s: RunbookStatus) => boolean,
  timeoutMs = 20_000,
): Promise<RunbookStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const status = await handle.query(runbookStatusQuery);
      if (ready(status)) return status;
    } catch {
      // Not started yet: the first workflow task has not run.
    }
    if (Date.now() > deadline) throw new Error(`${handle.workflowId}: status not reached`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const awaitingApproval = (s: RunbookStatus) => s.awaiting !== undefined;

/** A unique incident id (workflow ids are `runbook-<incidentId>`). */
export function incidentId(label: string): string {
  return `INC-${label}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Starts a runbook version for a fresh incident, as the incident workflow would. */
export function startRunbook(
  env: { client: Client; taskQueue: string },
  workflowType: string,
  input: Omit<RunbookInput, 'incidentId'>,
  label: string,
) {
  const id = incidentId(label);
  return env.client.workflow.start<RunbookWorkflow>(workflowType, {
    taskQueue: env.taskQueue,
    workflowId: runbookWorkflowId(id),
    args: [{ incidentId: id, ...input }],
  });
}

/** Waits for the run's gate, then approves it as each of `approvers` (signed). */
export async function approveAs(handle: WorkflowHandle<RunbookWorkflow>, ...approvers: string[]) {
  await waitForStatus(handle, awaitingApproval);
  for (const approver of approvers) {
    await handle.executeUpdate(
      approveUpdate,
      await signedAnswer(handle, { decision: 'approve', approver }),
    );
  }
}
