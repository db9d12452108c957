import { loadConfig, type Config } from '../config';
import { startHealthServer, type ReadinessCheck } from '../telemetry/health-server';
import { createLogger, type Logger } from '../telemetry/logger';
import { startEngineTelemetry, type EngineTelemetry } from '../telemetry/engine-telemetry';

/** A long-running production role: what it started, how to tell it is ready, how to stop it. */
export interface RunningRole {
  ready: ReadinessCheck;
  /** Settles if the role fails on its own (a worker that stopped); the process then exits 1. */
  failed?: Promise<unknown>;
  stop(): Promise<void>;
}

/** A readiness check from a call that throws when a dependency does not answer. */
export function answers(dependency: string, call: () => Promise<unknown>): ReadinessCheck {
  return async () => {
    try {
      await call();
      return undefined;
    } catch (err) {
      return `${dependency}: ${err instanceof Error ? err.message : String(err)}`;
    }
  };
}

export interface RoleContext {
  config: Config;
  logger: Logger;
  telemetry: EngineTelemetry;
}

/**
 * Runs a role as its own process: structured logs, the engine's telemetry, `/healthz`,
 * `/readyz` and `/metrics` on AIOPS_HEALTH_PORT, then a clean stop on SIGTERM or SIGINT.
 * Nothing local is started: every dependency is the configured one.
 */
export async function runRole(
  name: string,
  start: (ctx: RoleContext) => Promise<RunningRole>,
): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, name);
  const telemetry = startEngineTelemetry({ config, role: name, logger });
  logger.debug(
    {
      temporal: config.temporal.address,
      namespace: config.temporal.namespace,
      tls: config.temporal.endpoint.tls !== undefined,
      health: `${config.telemetry.healthHost}:${config.telemetry.healthPort}`,
      otlp: config.telemetry.otlpEndpoint,
    },
    'configuration',
  );
  const role = await start({ config, logger, telemetry }).catch(async (err: unknown) => {
    await telemetry.shutdown();
    throw err;
  });
  const health = await startHealthServer({
    host: config.telemetry.healthHost,
    port: config.telemetry.healthPort,
    ready: role.ready,
    metrics: telemetry.prometheus,
  });
  logger.info(
    { health: `http://${config.telemetry.healthHost}:${health.port}` },
    `${name} running; /healthz, /readyz and /metrics on :${health.port}`,
  );
  const outcome = await new Promise<{ signal: string } | { error: unknown }>((resolve) => {
    process.once('SIGTERM', () => resolve({ signal: 'SIGTERM' }));
    process.once('SIGINT', () => resolve({ signal: 'SIGINT' }));
    role.failed?.then(
      () => resolve({ error: new Error(`${name} stopped by itself`) }),
      (error: unknown) => resolve({ error }),
    );
  });
  if ('signal' in outcome) logger.info(`${outcome.signal}: stopping ${name}`);
  else logger.error({ err: outcome.error }, `${name} failed; stopping`);
  await health.stop();
  await role.stop();
  await telemetry.shutdown();
  logger.info(`${name} stopped`);
  if ('error' in outcome) process.exitCode = 1;
}
