import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import {
  bundleWorkflowCode,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundleOption,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { Config } from './config';

/** Where `npm run build` writes the workflow bundle: beside the compiled code in `dist/`. */
export const prebuiltWorkflowBundlePath = resolve(__dirname, '..', 'workflow-bundle.js');

/** Bundles the workflows of this code: compiled `.js` in `dist/`, `.ts` when run from source. */
export async function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: resolve(__dirname, '..', 'workflows', `index${extname(__filename)}`),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
  });
}

/** The build's bundle when running compiled code; otherwise (from source) one built now. */
async function defaultWorkflowBundle(): Promise<WorkflowBundleOption> {
  return existsSync(prebuiltWorkflowBundlePath)
    ? { codePath: prebuiltWorkflowBundlePath }
    : bundleWorkflows();
}

export interface RunningWorkers {
  taskQueues: string[];
  /** Resolves when every worker has stopped; rejects if one fails. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

let runtimeConfigured = false;

/** Quiet the Rust core's own logging unless asked; our supervisor prints the progress. */
function configureRuntime(logLevel: Config['logLevel']) {
  if (runtimeConfigured) return;
  runtimeConfigured = true;
  Runtime.install({
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: logLevel === 'error' ? () => undefined : (m, meta) => console.warn(workerLine(m, meta)),
      error: (m, meta) => console.error(workerLine(m, meta)),
    },
  });
}

/** "Activity failed" alone says nothing: name the activity, its workflow and the error. */
function workerLine(message: string, meta?: Record<string, unknown>): string {
  const where = [meta?.activityType ?? meta?.workflowType, meta?.workflowId]
    .filter((part) => typeof part === 'string')
    .join(' in ');
  const error = meta?.error instanceof Error ? meta.error.message : undefined;
  return `[worker] ${message}${where ? ` (${where})` : ''}${error ? `: ${error}` : ''}`;
}

/**
 * One worker per concern (detection, incidents, remediation, housekeeping), all sharing one
 * workflow bundle (built once by `npm run build`).
 */
export async function startWorkers(opts: {
  config: Config;
  address: string;
  deps: ActivityDeps;
  bundle?: WorkflowBundleOption;
}): Promise<RunningWorkers> {
  configureRuntime(opts.config.logLevel);
  const workflowBundle = opts.bundle ?? (await defaultWorkflowBundle());
  const connection = await NativeConnection.connect({ address: opts.address });
  const activities = createActivities(opts.deps);
  const taskQueues = Object.values(opts.config.taskQueues);
  const workers = await Promise.all(
    taskQueues.map((taskQueue) =>
      Worker.create({
        connection,
        namespace: opts.config.temporal.namespace,
        taskQueue,
        workflowBundle,
        activities,
      }),
    ),
  );
  const done = Promise.all(workers.map((w) => w.run())).then(() => connection.close());
  return {
    taskQueues,
    done,
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
    },
  };
}
