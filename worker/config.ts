import { resolve } from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/**
 * Every setting the engine reads from the environment, validated once. Unset means "run the
 * local component ourselves" (embedded PostgreSQL, Temporal dev server); set means "use yours".
 */
const configSchema = z.object({
  AIOPS_HOME: z.string().default('.aiops'),
  DATABASE_URL: optionalString,
  AIOPS_PG_PORT: port.default(55432),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_CLI_PATH: optionalString,
  AIOPS_TEMPORAL_PORT: port.default(7233),
  AIOPS_TEMPORAL_UI_PORT: port.default(8233),
  AIOPS_TASK_QUEUE_PREFIX: z.string().default('aiops'),
  AIOPS_HEARTBEAT_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(15),
  AIOPS_DETECTION_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(15),
  AIOPS_DETECTION_GRACE_SECONDS: z.coerce.number().min(0).default(3),
  AIOPS_DETECTION_THRESHOLD: z.coerce.number().gt(0).lt(1).default(0.9),
  AIOPS_INCIDENT_QUIET_SECONDS: z.coerce.number().int().min(1).default(180),
  AIOPS_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type Env = z.input<typeof configSchema>;

export interface Config {
  /** Directory holding every piece of local state (database files, Temporal SQLite, tools). */
  home: string;
  postgres: { url: string | undefined; port: number; dataDir: string };
  temporal: {
    address: string | undefined;
    namespace: string;
    cliPath: string | undefined;
    port: number;
    uiPort: number;
    dbFile: string;
    toolsDir: string;
  };
  taskQueues: { detection: string; incident: string; remediation: string; housekeeping: string };
  heartbeatIntervalSeconds: number;
  detection: {
    intervalSeconds: number;
    graceSeconds: number;
    threshold: number;
    /** An incident resolves itself after this long without a new anomaly. */
    quietPeriodSeconds: number;
  };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `  ${issue.path.join('.')}: ${issue.message}`)
      .join('\n');
    throw new ConfigError(`Invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  const home = resolve(cwd, e.AIOPS_HOME);
  const prefix = e.AIOPS_TASK_QUEUE_PREFIX;
  return {
    home,
    postgres: { url: e.DATABASE_URL, port: e.AIOPS_PG_PORT, dataDir: resolve(home, 'postgres') },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      cliPath: e.TEMPORAL_CLI_PATH,
      port: e.AIOPS_TEMPORAL_PORT,
      uiPort: e.AIOPS_TEMPORAL_UI_PORT,
      dbFile: resolve(home, 'temporal', 'temporal.db'),
      toolsDir: resolve(home, 'tools'),
    },
    taskQueues: {
      detection: `${prefix}-detection`,
      incident: `${prefix}-incident`,
      remediation: `${prefix}-remediation`,
      housekeeping: `${prefix}-housekeeping`,
    },
    heartbeatIntervalSeconds: e.AIOPS_HEARTBEAT_INTERVAL_SECONDS,
    detection: {
      intervalSeconds: e.AIOPS_DETECTION_INTERVAL_SECONDS,
      graceSeconds: e.AIOPS_DETECTION_GRACE_SECONDS,
      threshold: e.AIOPS_DETECTION_THRESHOLD,
      quietPeriodSeconds: e.AIOPS_INCIDENT_QUIET_SECONDS,
    },
    logLevel: e.AIOPS_LOG_LEVEL,
  };
}

/** The PostgreSQL URL of the embedded server this config starts when DATABASE_URL is unset. */
export function embeddedPostgresUrl(config: Config): string {
  return `postgres://postgres:aiops@127.0.0.1:${config.postgres.port}/aiops`;
}

export function databaseUrl(config: Config): string {
  return config.postgres.url ?? embeddedPostgresUrl(config);
}

export function temporalAddress(config: Config): string {
  return config.temporal.address ?? `127.0.0.1:${config.temporal.port}`;
}
