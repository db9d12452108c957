// A runbook worker in its own process, so the crash test can SIGKILL it mid-action.
// Settings come as one JSON env var (WORKER_SETTINGS); prints "ready" once it polls.
import { readFile } from 'node:fs/promises';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { loadKubeConfig } from '../../activities/kubernetes';
import type { SshSettings } from '../../activities/ssh';
import { createPool } from '../../store/db';
import { FakeHealth, testPolicy } from './fakes';

export interface WorkerSettings {
  address: string;
  taskQueue: string;
  bundlePath: string;
  databaseUrl: string;
  kubeconfigPath: string;
  ssh: Omit<SshSettings, 'privateKey'> & { privateKeyPath: string };
}

async function main() {
  const settings = JSON.parse(process.env.WORKER_SETTINGS ?? '') as WorkerSettings;
  Runtime.install({
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  const { privateKeyPath, ...ssh } = settings.ssh;
  const connection = await NativeConnection.connect({ address: settings.address });
  const worker = await Worker.create({
    connection,
    taskQueue: settings.taskQueue,
    workflowBundle: { codePath: settings.bundlePath },
    activities: createActivities({
      pool: createPool(settings.databaseUrl),
      kube: loadKubeConfig(settings.kubeconfigPath),
      ssh: { ...ssh, privateKey: await readFile(privateKeyPath) },
      health: new FakeHealth(),
      approvalPolicy: testPolicy,
    }),
  });
  process.stdout.write('ready\n');
  await worker.run();
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
