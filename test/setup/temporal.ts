import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivities, type ActivityDeps } from '../../activities';
import { workerTelemetryOptions } from '../../worker/telemetry/temporal-tracing';

let runtimeInstalled = false;

/** Keep the Rust core quiet in test output; failures surface through the tests themselves. */
const silentLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: silentLogger });
}

/** Runs activities outside a worker, as a worker would, without their log lines. */
export function quietActivityEnvironment(): MockActivityEnvironment {
  return new MockActivityEnvironment({ startToCloseTimeoutMs: 30_000 }, { logger: silentLogger });
}

export interface TemporalTestEnv {
  client: Client;
  /** A task queue of this test's own, so tests sharing the server never steal each other's tasks. */
  taskQueue: string;
  /** Runs `fn` while a worker with the real activities polls `taskQueue`. */
  withWorker<T>(deps: ActivityDeps, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function connectTemporal(
  taskQueue = `test-${randomUUID()}`,
): Promise<TemporalTestEnv> {
  quietRuntime();
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const code = await readFile(inject('workflowBundlePath'), 'utf8');
  return {
    client,
    taskQueue,
    async withWorker(deps, fn) {
      const workerConnection = await NativeConnection.connect({ address });
      try {
        const worker = await Worker.create({
          connection: workerConnection,
          taskQueue,
          workflowBundle: { code },
          activities: createActivities(deps),
          // As the engine's workers: its interceptors, and the sink the bundle's ones export to.
          ...workerTelemetryOptions(undefined),
        });
        return await worker.runUntil(fn);
      } finally {
        await workerConnection.close();
      }
    },
    close: () => connection.close(),
  };
}
