import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import {
  bundleWorkflowCode,
  Runtime,
  Worker,
  type WorkflowBundleOption,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { Config } from './config';
import type { EngineTelemetry } from './telemetry/engine-telemetry';
import { createLogger, type Logger } from './telemetry/logger';
import { workerTelemetryOptions, workflowTracingModule } from './telemetry/temporal-tracing';
import { connectWorker } from './temporal-connection';

/** Where `npm run build` writes the workflow bundle: beside the compiled code in `dist/`. */
export const prebuiltWorkflowBundlePath = resolve(__dirname, '..', 'workflow-bundle.js');

/**
 * The engine's workflow bundle: its workflows (compiled `.js` in `dist/`, `.ts` when run from
 * source) with Temporal's OpenTelemetry workflow interceptors. The build, the stack, the workers,
 * the tests, the benchmarks and the replay test all run this one: the interceptors add awaits
 * around Update handlers, so a history recorded with them may not replay without (SDK flag 6).
 * Its workers register the interceptors' sink (`workerTelemetryOptions`).
 */
export async function bundleEngineWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: resolve(__dirname, '..', 'workflows', `index${extname(__filename)}`),
    workflowInterceptorModules: [workflowTracingModule],
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
  });
}

/** The build's bundle when running compiled code; otherwise (from source) one built now. */
async function defaultWorkflowBundle(): Promise<WorkflowBundleOption> {
  return existsSync(prebuiltWorkflowBundlePath)
    ? { codePath: prebuiltWorkflowBundlePath }
    : bundleEngineWorkflows();
}

export interface RunningWorkers {
  taskQueues: string[];
  /** Resolves when every worker has stopped; rejects if one fails. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

let runtimeConfigured = false;

/** The SDK's and the Rust core's logs go to the engine's log, at its level (once per process). */
function configureRuntime(logger: Logger) {
  if (runtimeConfigured) return;
  runtimeConfigured = true;
  const sdk = logger.child({ component: 'temporal' });
  const at =
    (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, meta?: Record<string, unknown>) =>
      sdk[level](sdkFields(meta), message);
  Runtime.install({
    logger: {
      log: (level, message, meta) => at(pinoLevel(level))(message, meta),
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
    },
  });
}

function pinoLevel(level: string): 'trace' | 'debug' | 'info' | 'warn' | 'error' {
  const lower = level.toLowerCase();
  return lower === 'trace' || lower === 'debug' || lower === 'warn' || lower === 'error'
    ? lower
    : 'info';
}

/** "Activity failed" alone says nothing: keep the activity, workflow and error as fields. */
function sdkFields(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!meta) return {};
  const { error, ...rest } = meta;
  return error === undefined ? rest : { ...rest, err: error };
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
  /** Task queues to poll; default: every concern's. */
  taskQueues?: string[];
  logger?: Logger;
  /** The engine's traces and metrics; unset, workflow spans are dropped. */
  telemetry?: EngineTelemetry;
}): Promise<RunningWorkers> {
  configureRuntime(opts.logger ?? createLogger(opts.config.logLevel, 'worker'));
  const workflowBundle = opts.bundle ?? (await defaultWorkflowBundle());
  const connection = await connectWorker(opts.config.temporal, opts.address);
  const activities = createActivities(opts.deps);
  const { sinks, interceptors } = workerTelemetryOptions(opts.telemetry);
  const taskQueues = opts.taskQueues ?? Object.values(opts.config.taskQueues);
  const workers = await Promise.all(
    taskQueues.map((taskQueue) =>
      Worker.create({
        connection,
        namespace: opts.config.temporal.namespace,
        taskQueue,
        workflowBundle,
        activities,
        sinks,
        interceptors,
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
