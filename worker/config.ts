import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_ANOMALY_THRESHOLD } from '../detectors/anomaly/calibration';
import { defaultLlmSettings } from '../activities/summarizer/settings';
import type { IngestAuthSettings } from '../ingest/auth';
import {
  integrationSettings,
  integrationsConfig,
  type IntegrationsConfig,
} from '../integrations/config';
import type { CleanupRule, LogRotation } from '../activities/ssh/host';
import type { FlagEndpoint } from '../activities/http/flags';
import type { ApproverIdentities } from './approver-identities';
import { jsonSetting, optionalString } from './config-values';
import { loadTemporalEndpoint, type TemporalEndpoint } from './temporal-connection';

const port = z.coerce.number().int().min(1).max(65535);
const bytes = z.coerce.number().int();
const mib = 2 ** 20;
const risk = z.enum(['low', 'medium', 'high']);

/** Remediation: Kubernetes and SSH actions, Slack approvals, and the approval policy. */
const remediationSettings = {
  AIOPS_KUBECONFIG: optionalString,
  AIOPS_SSH_USER: z.string().default('aiops'),
  AIOPS_SSH_PORT: port.default(22),
  AIOPS_SSH_KEY_PATH: optionalString,
  AIOPS_SSH_KNOWN_HOSTS: optionalString,
  AIOPS_SSH_HOST_FINGERPRINTS: jsonSetting(z.record(z.string(), z.array(z.string()))),
  AIOPS_SSH_SCRIPTS: jsonSetting(
    z.record(
      z.string(),
      z.object({ command: z.array(z.string()).min(1), undo: z.string().optional() }),
    ),
  ),
  /** Disposable files runbooks may delete: `{"dumps": {"dir": "/var/crash", "names": ["core.*"]}}`. */
  AIOPS_SSH_CLEANUPS: jsonSetting(
    z.record(
      z.string(),
      z.object({
        dir: z.string().regex(/^\//, 'an absolute directory'),
        names: z.array(z.string().regex(/^[^/]+$/, 'a file name pattern')).min(1),
        olderThanMinutes: z.number().int().min(0).optional(),
        recursive: z.boolean().optional(),
      }),
    ),
  ),
  /** Logs runbooks may rotate: `{"app": {"config": "/etc/logrotate.d/app"}}` or copy-truncate. */
  AIOPS_SSH_LOGS: jsonSetting(
    z.record(
      z.string(),
      z.union([
        z.object({ config: z.string().regex(/^\//, 'an absolute path') }),
        z.object({ copyTruncate: z.array(z.string().regex(/^\//, 'an absolute path')).min(1) }),
      ]),
    ),
  ),
  /** Feature flags runbooks may set: `{"new-checkout": {"url": "…", "method": "PUT", "safe": false}}`. */
  AIOPS_FLAGS: jsonSetting(
    z.record(
      z.string(),
      z.object({
        url: z.string().url(),
        method: z.enum(['PUT', 'PATCH']),
        field: z.string().min(1).optional(),
        safe: z.union([z.boolean(), z.number(), z.string(), z.null()]),
        headers: z.record(z.string(), z.string()).optional(),
      }),
    ),
  ),
  /** The databases PostgreSQL runbooks may act on: `{"payments": "postgres://…"}`. */
  AIOPS_PG_DATABASES: jsonSetting(z.record(z.string(), z.string().min(1))),
  /** Service → one of those names, for services whose spans do not name their database. */
  AIOPS_PG_SERVICE_DATABASES: jsonSetting(z.record(z.string(), z.string().min(1))),
  AIOPS_SLACK_BOT_TOKEN: optionalString,
  AIOPS_SLACK_SIGNING_SECRET: optionalString,
  AIOPS_SLACK_APP_TOKEN: optionalString,
  AIOPS_SLACK_CHANNEL: optionalString,
  AIOPS_SLACK_MODE: z.enum(['http', 'socket']).default('http'),
  AIOPS_SLACK_API_URL: optionalString,
  AIOPS_APPROVERS: jsonSetting(z.record(z.string(), z.array(z.string()))),
  AIOPS_APPROVAL_REQUIRED_FROM: risk.default('medium'),
  AIOPS_APPROVAL_TWO_PERSON_FROM: z.enum(['low', 'medium', 'high', 'never']).default('high'),
  AIOPS_GATEWAY_HOST: z.string().default('127.0.0.1'),
  AIOPS_GATEWAY_PORT: port.default(3000),
  AIOPS_GATEWAY_URL: optionalString,
  AIOPS_APPROVER_TOKEN: optionalString,
  AIOPS_APPROVER_IDENTITIES: jsonSetting(
    z.record(
      z.string(),
      z.object({ slack: z.array(z.string()).optional(), tokens: z.array(z.string()).optional() }),
    ),
  ),
  AIOPS_APPROVAL_KEY_FILE: optionalString,
  AIOPS_APPROVAL_AUTHORITY_KEYS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((k) => k.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[0-9a-f]{64}$/, 'must be hex Ed25519 public keys'))),
};

/** Investigation: the Neo4j knowledge graph of past incidents and the LLM summary. */
const investigationSettings = {
  NEO4J_URI: optionalString,
  NEO4J_USER: z.string().default('neo4j'),
  NEO4J_PASSWORD: optionalString,
  AIOPS_NEO4J_BOLT_PORT: port.default(7687),
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalString,
  AIOPS_LLM_MODEL: z.string().default(defaultLlmSettings.model),
  AIOPS_LLM_TIMEOUT_MS: z.coerce.number().int().min(1000).default(defaultLlmSettings.timeoutMs),
  AIOPS_LLM_MAX_RETRIES: z.coerce.number().int().min(0).default(defaultLlmSettings.maxRetries),
  AIOPS_LLM_INPUT_TOKEN_BUDGET: z.coerce
    .number()
    .int()
    .min(1000)
    .default(defaultLlmSettings.inputTokenBudget),
  AIOPS_LLM_MAX_OUTPUT_TOKENS: z.coerce
    .number()
    .int()
    .min(256)
    .default(defaultLlmSettings.maxOutputTokens),
};

/**
 * Every setting the engine reads from the environment, validated once. Unset means "run the
 * local component ourselves" (embedded PostgreSQL, Temporal dev server); set means "use yours".
 */
const configSchema = z.object({
  AIOPS_HOME: z.string().default('.aiops'),
  DATABASE_URL: optionalString,
  AIOPS_PG_PORT: port.default(55432),
  TEMPORAL_CLI_PATH: optionalString,
  AIOPS_WORKFLOW_BUNDLE: optionalString,
  AIOPS_TEMPORAL_PORT: port.default(7233),
  AIOPS_TEMPORAL_UI_PORT: port.default(8233),
  AIOPS_TASK_QUEUE_PREFIX: z.string().default('aiops'),
  AIOPS_HEARTBEAT_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(15),
  AIOPS_DETECTION_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(10),
  AIOPS_DETECTION_GRACE_SECONDS: z.coerce.number().min(0).default(3),
  AIOPS_DETECTION_THRESHOLD: z.coerce.number().gt(0).lt(1).default(DEFAULT_ANOMALY_THRESHOLD),
  AIOPS_INCIDENT_QUIET_SECONDS: z.coerce.number().int().min(1).default(180),
  AIOPS_INCIDENT_EVIDENCE_SECONDS: z.coerce.number().min(0).max(300).default(30),
  AIOPS_OTLP_HOST: z.string().default('127.0.0.1'),
  AIOPS_OTLP_GRPC_PORT: port.default(4317),
  AIOPS_OTLP_HTTP_PORT: port.default(4318),
  AIOPS_OTLP_MAX_REQUEST_BYTES: bytes.min(1024).default(16 * mib),
  AIOPS_INGEST_QUEUE_BYTES: bytes.min(mib).default(64 * mib),
  AIOPS_INGEST_NEW_SERVICES_PER_MINUTE: z.coerce.number().int().min(1).default(200),
  AIOPS_INGEST_NEW_OPERATIONS_PER_MINUTE: z.coerce.number().int().min(1).default(2000),
  AIOPS_OTLP_TOKENS: jsonSetting(z.record(z.string(), z.string().nullable())),
  AIOPS_OTLP_TLS_CERT: optionalString,
  AIOPS_OTLP_TLS_KEY: optionalString,
  AIOPS_OTLP_TLS_CLIENT_CA: optionalString,
  AIOPS_RAW_RETENTION_HOURS: z.coerce.number().int().min(2).default(72),
  AIOPS_ROLLUP_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  AIOPS_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  AIOPS_HEALTH_HOST: z.string().default('127.0.0.1'),
  AIOPS_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  AIOPS_TELEMETRY_OTLP_ENDPOINT: optionalString,
  AIOPS_TELEMETRY_INTERVAL_MS: z.coerce.number().int().min(100).default(15_000),
  ...remediationSettings,
  ...investigationSettings,
  ...integrationSettings,
});

export type Env = z.input<typeof configSchema>;

export interface Config {
  /** Directory holding every piece of local state (database files, Temporal SQLite, tools). */
  home: string;
  postgres: { url: string | undefined; port: number; dataDir: string };
  temporal: {
    /** Undefined: no Temporal is configured; `aiops up` runs a dev server. */
    address: string | undefined;
    namespace: string;
    /** The standard Temporal environment configuration: address, TLS, API key, metadata. */
    endpoint: TemporalEndpoint;
    cliPath: string | undefined;
    /** A workflow bundle built beforehand (the stack's, run from source); unset: the build's. */
    workflowBundle: string | undefined;
    port: number;
    uiPort: number;
    dbFile: string;
    toolsDir: string;
  };
  taskQueues: { detection: string; incident: string; remediation: string; housekeeping: string };
  /** Schedule ids share the task queue prefix, so two engines can share one namespace. */
  scheduleIds: { heartbeat: string; detection: string; retention: string };
  heartbeatIntervalSeconds: number;
  detection: {
    intervalSeconds: number;
    graceSeconds: number;
    threshold: number;
    /** An incident resolves itself after this long without a new anomaly. */
    quietPeriodSeconds: number;
    /** An incident ranks root causes no earlier than this long after its first anomaly. */
    faultEvidenceSeconds: number;
  };
  /** OTLP receivers (ingest/). */
  ingest: {
    host: string;
    grpcPort: number;
    httpPort: number;
    /** Largest accepted request, after decompression. */
    maxRequestBytes: number;
    /** Memory bound of the queue between receivers and PostgreSQL; past it, clients are pushed back. */
    queueBytes: number;
    /** Services and operations never seen before admitted per minute; items past it are refused. */
    newNames: { servicesPerMinute: number; operationsPerMinute: number };
  };
  /** How long telemetry is kept: raw spans, logs and metric points; 10-second rollups. */
  retention: { rawHours: number; rollupDays: number };
  /** Who may send telemetry: bearer tokens (by digest, each naming a tenant) and TLS. */
  ingestAuth: IngestAuthSettings;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** The engine's own telemetry: probe/scrape endpoint of each role, and OTLP export. */
  telemetry: {
    healthHost: string;
    /** Port of /healthz, /readyz and /metrics on the roles (0: any free port). */
    healthPort: number;
    /** OTLP/HTTP base URL (e.g. http://collector:4318) for the engine's traces and metrics; unset: none. */
    otlpEndpoint: string | undefined;
    exportIntervalMs: number;
  };
  remediation: RemediationConfig;
  investigation: InvestigationConfig;
  /** Alertmanager/Prometheus/Kubernetes sources and notifications beyond Slack. */
  integrations: IntegrationsConfig;
}

export interface InvestigationConfig {
  neo4j: {
    /** Unset: the local Neo4j (started from Maven Central jars) on `boltPort`. */
    uri: string | undefined;
    user: string;
    password: string | undefined;
    boltPort: number;
    /** The local Neo4j's jars, data and logs. */
    home: string;
  };
  llm: {
    /** Unset: summaries come from the deterministic template. */
    apiKey: string | undefined;
    baseUrl: string | undefined;
    model: string;
    timeoutMs: number;
    /** Retries of 429/5xx/timeouts by the SDK, which honours retry-after. */
    maxRetries: number;
    /** Estimated input tokens per request; evidence is trimmed to fit. */
    inputTokenBudget: number;
    maxOutputTokens: number;
  };
}

export interface RemediationConfig {
  /** Unset: KUBECONFIG, ~/.kube/config or the in-cluster service account, if any. */
  kubeconfig: string | undefined;
  ssh: {
    user: string;
    port: number;
    /** Unset: SSH actions are not available. */
    keyPath: string | undefined;
    knownHostsPath: string;
    fingerprints: Record<string, string[]>;
    scripts: Record<string, { command: string[]; undo?: string }>;
    cleanups: Record<string, CleanupRule>;
    logs: Record<string, LogRotation>;
  };
  /** Flag name → its HTTP endpoint and safe value, for the flag actions. */
  flags: Record<string, FlagEndpoint>;
  /** Database name → connection URL, for PostgreSQL actions. */
  databases: Record<string, string>;
  /** Service → database name, where a service's spans do not say which one it calls. */
  serviceDatabases: Record<string, string>;
  /** Unset unless a bot token and channel are configured. */
  slack:
    | {
        botToken: string;
        signingSecret: string | undefined;
        appToken: string | undefined;
        channel: string;
        mode: 'http' | 'socket';
        apiUrl: string | undefined;
      }
    | undefined;
  approval: {
    requiredFrom: 'low' | 'medium' | 'high';
    twoApproversFrom: 'low' | 'medium' | 'high' | 'never';
    groups: Record<string, string[]>;
    /** Trusted approval authority public keys; empty: the local authority's (`keyFile`). */
    authorityKeys: string[];
    /** The approval authority's private key (gateway only); created on first use. */
    keyFile: string;
  };
  /** The approval gateway: Slack's endpoint, and signed statements for `aiops approve`. */
  gateway: {
    host: string;
    port: number;
    /** Where `aiops approve` reaches the gateway. */
    url: string;
    identities: ApproverIdentities;
    /** The CLI user's personal approver token. */
    approverToken: string | undefined;
  };
}

export class ConfigError extends Error {}

function temporalEndpoint(env: NodeJS.ProcessEnv): TemporalEndpoint {
  try {
    return loadTemporalEndpoint(env);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`Invalid Temporal environment configuration: ${reason}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `  ${issue.path.join('.')}: ${issue.message}`)
      .join('\n');
    throw new ConfigError(`Invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  const endpoint = temporalEndpoint(env);
  const home = resolve(cwd, e.AIOPS_HOME);
  const prefix = e.AIOPS_TASK_QUEUE_PREFIX;
  return {
    home,
    postgres: { url: e.DATABASE_URL, port: e.AIOPS_PG_PORT, dataDir: resolve(home, 'postgres') },
    temporal: {
      address: endpoint.address,
      namespace: endpoint.namespace ?? 'default',
      endpoint,
      cliPath: e.TEMPORAL_CLI_PATH,
      workflowBundle: e.AIOPS_WORKFLOW_BUNDLE,
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
    scheduleIds: {
      heartbeat: `${prefix}-heartbeat`,
      detection: `${prefix}-detection`,
      retention: `${prefix}-retention`,
    },
    heartbeatIntervalSeconds: e.AIOPS_HEARTBEAT_INTERVAL_SECONDS,
    detection: {
      intervalSeconds: e.AIOPS_DETECTION_INTERVAL_SECONDS,
      graceSeconds: e.AIOPS_DETECTION_GRACE_SECONDS,
      threshold: e.AIOPS_DETECTION_THRESHOLD,
      quietPeriodSeconds: e.AIOPS_INCIDENT_QUIET_SECONDS,
      faultEvidenceSeconds: e.AIOPS_INCIDENT_EVIDENCE_SECONDS,
    },
    ingest: {
      host: e.AIOPS_OTLP_HOST,
      grpcPort: e.AIOPS_OTLP_GRPC_PORT,
      httpPort: e.AIOPS_OTLP_HTTP_PORT,
      maxRequestBytes: e.AIOPS_OTLP_MAX_REQUEST_BYTES,
      queueBytes: e.AIOPS_INGEST_QUEUE_BYTES,
      newNames: {
        servicesPerMinute: e.AIOPS_INGEST_NEW_SERVICES_PER_MINUTE,
        operationsPerMinute: e.AIOPS_INGEST_NEW_OPERATIONS_PER_MINUTE,
      },
    },
    retention: { rawHours: e.AIOPS_RAW_RETENTION_HOURS, rollupDays: e.AIOPS_ROLLUP_RETENTION_DAYS },
    ingestAuth: ingestAuthSettings(e, cwd),
    integrations: integrationsConfig(e),
    logLevel: e.AIOPS_LOG_LEVEL,
    telemetry: {
      healthHost: e.AIOPS_HEALTH_HOST,
      healthPort: e.AIOPS_HEALTH_PORT,
      otlpEndpoint: e.AIOPS_TELEMETRY_OTLP_ENDPOINT,
      exportIntervalMs: e.AIOPS_TELEMETRY_INTERVAL_MS,
    },
    investigation: {
      neo4j: {
        uri: e.NEO4J_URI,
        user: e.NEO4J_USER,
        password: e.NEO4J_PASSWORD,
        boltPort: e.AIOPS_NEO4J_BOLT_PORT,
        home: resolve(home, 'neo4j'),
      },
      llm: {
        apiKey: e.ANTHROPIC_API_KEY,
        baseUrl: e.ANTHROPIC_BASE_URL,
        model: e.AIOPS_LLM_MODEL,
        timeoutMs: e.AIOPS_LLM_TIMEOUT_MS,
        maxRetries: e.AIOPS_LLM_MAX_RETRIES,
        inputTokenBudget: e.AIOPS_LLM_INPUT_TOKEN_BUDGET,
        maxOutputTokens: e.AIOPS_LLM_MAX_OUTPUT_TOKENS,
      },
    },
    remediation: {
      kubeconfig: e.AIOPS_KUBECONFIG,
      ssh: {
        user: e.AIOPS_SSH_USER,
        port: e.AIOPS_SSH_PORT,
        keyPath: e.AIOPS_SSH_KEY_PATH,
        knownHostsPath: e.AIOPS_SSH_KNOWN_HOSTS ?? resolve(homedir(), '.ssh', 'known_hosts'),
        fingerprints: e.AIOPS_SSH_HOST_FINGERPRINTS ?? {},
        scripts: e.AIOPS_SSH_SCRIPTS ?? {},
        cleanups: e.AIOPS_SSH_CLEANUPS ?? {},
        logs: e.AIOPS_SSH_LOGS ?? {},
      },
      flags: e.AIOPS_FLAGS ?? {},
      databases: e.AIOPS_PG_DATABASES ?? {},
      serviceDatabases: e.AIOPS_PG_SERVICE_DATABASES ?? {},
      slack:
        e.AIOPS_SLACK_BOT_TOKEN && e.AIOPS_SLACK_CHANNEL
          ? {
              botToken: e.AIOPS_SLACK_BOT_TOKEN,
              signingSecret: e.AIOPS_SLACK_SIGNING_SECRET,
              appToken: e.AIOPS_SLACK_APP_TOKEN,
              channel: e.AIOPS_SLACK_CHANNEL,
              mode: e.AIOPS_SLACK_MODE,
              apiUrl: e.AIOPS_SLACK_API_URL,
            }
          : undefined,
      approval: {
        requiredFrom: e.AIOPS_APPROVAL_REQUIRED_FROM,
        twoApproversFrom: e.AIOPS_APPROVAL_TWO_PERSON_FROM,
        groups: e.AIOPS_APPROVERS ?? {},
        authorityKeys: e.AIOPS_APPROVAL_AUTHORITY_KEYS,
        keyFile: resolve(home, e.AIOPS_APPROVAL_KEY_FILE ?? 'approval-authority.pem'),
      },
      gateway: {
        host: e.AIOPS_GATEWAY_HOST,
        port: e.AIOPS_GATEWAY_PORT,
        url: e.AIOPS_GATEWAY_URL ?? `http://127.0.0.1:${e.AIOPS_GATEWAY_PORT}`,
        identities: e.AIOPS_APPROVER_IDENTITIES ?? {},
        approverToken: e.AIOPS_APPROVER_TOKEN,
      },
    },
  };
}

function ingestAuthSettings(e: z.output<typeof configSchema>, cwd: string): IngestAuthSettings {
  const { AIOPS_OTLP_TLS_CERT: cert, AIOPS_OTLP_TLS_KEY: key, AIOPS_OTLP_TLS_CLIENT_CA: ca } = e;
  if ((cert === undefined) !== (key === undefined) || (ca !== undefined && cert === undefined)) {
    throw new ConfigError(
      'Invalid configuration:\n  AIOPS_OTLP_TLS_CERT and AIOPS_OTLP_TLS_KEY go together (and AIOPS_OTLP_TLS_CLIENT_CA needs them)',
    );
  }
  return {
    tokens: e.AIOPS_OTLP_TOKENS ?? {},
    tls:
      cert && key
        ? {
            certFile: resolve(cwd, cert),
            keyFile: resolve(cwd, key),
            clientCaFile: ca === undefined ? undefined : resolve(cwd, ca),
          }
        : undefined,
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
