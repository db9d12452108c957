import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { createPool, type Pool } from '../../store/db';
import { migrate } from '../../store/migrate';
import { temporalAddress, type Config } from '../config';
import { engineSchedules, ensureSchedule } from '../schedules';
import { connectClient } from '../temporal-connection';
import { localNeo4jPassword, localNeo4jUser, startNeo4j } from './neo4j';
import { createPidFiles, describeLeftover, StackInUseError, type PidFiles } from './pid-files';
import { startEmbeddedPostgres } from './postgres';
import type { Progress } from './progress';
import { supervise, type Exiting, type Supervised } from './restart';
import { startRoleProcess } from './role-process';
import { ensureTemporalCli } from './temporal-cli';
import { engineSearchAttributes, startTemporalDevServer } from './temporal-server';
import { bundleForStack } from './workflow-bundle';

/** One process the stack keeps running, as the chaos benchmark and `aiops up` see it. */
export interface StackComponent {
  name: string;
  /** Its pid now (it changes when it is restarted). */
  pid(): number | undefined;
  restarts(): number;
}

export interface RunningStack {
  databaseUrl: string;
  temporalAddress: string;
  uiUrl: string | undefined;
  /** The supervisor's own connections (the demo's incident watch, the schedules). */
  pool: Pool;
  client: Client;
  /** OTLP/HTTP endpoint of the receivers, e.g. http://127.0.0.1:4318 */
  otlpHttpEndpoint: string;
  otlpGrpcAddress: string;
  components: StackComponent[];
  /** Stops what this stack started, in reverse order. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Settings the engine's role processes get on top of the environment (the demo's cluster). */
  roleEnv?: Record<string, string>;
}

/**
 * Brings up the local stack: PostgreSQL (embedded unless DATABASE_URL), schema migrations,
 * Temporal (dev server unless TEMPORAL_ADDRESS), Neo4j (local unless NEO4J_URI), then the
 * engine's roles as processes of their own (a worker per task queue group, the OTLP receivers,
 * the approval gateway), and the schedules. Every local server and role process is restarted
 * when it dies, and recorded in `.aiops/run` so the next start stops what a crashed run left.
 */
export async function startStack(
  config: Config,
  progress: Progress,
  opts: StackOptions = {},
): Promise<RunningStack> {
  const stops: (() => Promise<void>)[] = [];
  const components: StackComponent[] = [];
  const stopAll = async () => {
    while (stops.length)
      await stops
        .pop()?.()
        .catch(() => undefined);
  };
  const pidFiles = createPidFiles(join(config.home, 'run'));
  const say = (line: string) =>
    progress.info(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  /** Starts a component under supervision, and stops it with the stack. */
  const keep = async <T extends Exiting & { pid?: number }>(
    name: string,
    start: () => Promise<T>,
    describeExit?: (instance: T) => string,
  ): Promise<Supervised<T>> => {
    const supervised = await supervise({
      name,
      start,
      log: say,
      ...(describeExit && { describeExit }),
    });
    stops.push(supervised.stop);
    components.push({
      name,
      pid: () => supervised.current().pid,
      restarts: supervised.restarts,
    });
    return supervised;
  };
  const running = pidFiles.claimSupervisor();
  if (running) {
    throw new StackInUseError(
      `another \`aiops up\` (pid ${running.pid}) runs the stack of ${config.home}: stop it first, ` +
        'or give this one its own AIOPS_HOME and ports',
    );
  }
  try {
    await progress.step(
      `Stack: looking for processes left by an earlier run in ${pidFiles.dir}`,
      async () => (await pidFiles.clearLeftovers()).map(describeLeftover),
      (lines) =>
        lines.length ? `Stack: ${lines.join('; ')}` : 'Stack: no processes left by an earlier run',
    );
    const dbUrl = config.postgres.url
      ? config.postgres.url
      : await progress.step(
          `PostgreSQL: starting embedded server on 127.0.0.1:${config.postgres.port}`,
          async () =>
            (
              await keep('PostgreSQL', () =>
                startEmbeddedPostgres({
                  dataDir: config.postgres.dataDir,
                  port: config.postgres.port,
                  pidFiles,
                }),
              )
            ).current().url,
          () =>
            `PostgreSQL: embedded server on 127.0.0.1:${config.postgres.port} (data in ${config.postgres.dataDir})`,
        );
    const pool = createPool(dbUrl);
    stops.push(() => pool.end());
    await progress.step(
      'PostgreSQL: applying schema migrations',
      () => migrate(dbUrl),
      (applied) => `PostgreSQL: schema up to date (${applied.length} migration(s) applied now)`,
    );

    let uiUrl: string | undefined;
    let address = temporalAddress(config);
    if (!config.temporal.address) {
      const cli = await progress.step(
        'Temporal: locating the Temporal CLI',
        () => ensureTemporalCli(config.temporal.toolsDir, config.temporal.cliPath, progress.info),
        (found) => `Temporal: CLI ${found.path} (${found.source})`,
      );
      const server = await progress.step(
        `Temporal: starting dev server on 127.0.0.1:${config.temporal.port}`,
        async () =>
          (
            await keep('Temporal', () =>
              startTemporalDevServer({
                cliPath: cli.path,
                port: config.temporal.port,
                uiPort: config.temporal.uiPort,
                namespace: config.temporal.namespace,
                dbFile: config.temporal.dbFile,
                logFile: join(config.home, 'temporal', 'server.log'),
                searchAttributes: engineSearchAttributes,
                pidFiles,
              }),
            )
          ).current(),
        (s) =>
          `Temporal: dev server on ${s.address}, Web UI ${s.uiUrl} (state in ${config.temporal.dbFile})`,
      );
      address = server.address;
      uiUrl = server.uiUrl;
    }
    const { connection, client } = await connectClient(config.temporal, address);
    stops.push(() => connection.close());

    const roleEnv: Record<string, string> = {
      ...opts.roleEnv,
      AIOPS_HOME: config.home,
      DATABASE_URL: dbUrl,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: config.temporal.namespace,
      AIOPS_OTLP_GRPC_PORT: String(config.ingest.grpcPort),
      AIOPS_OTLP_HTTP_PORT: String(config.ingest.httpPort),
      AIOPS_GATEWAY_PORT: String(config.remediation.gateway.port),
      ...(await startKnowledgeGraph(config, progress, pidFiles, keep)),
    };
    const role = (name: string, args: string[]) =>
      keep(
        name,
        () =>
          startRoleProcess({
            name,
            args,
            env: roleEnv,
            logFile: join(config.home, 'logs', `${name}.log`),
            pidFiles,
          }),
        (p) => p.exitDescription(),
      );
    if (!config.temporal.workflowBundle) {
      const bundle = await progress.step(
        'Workflows: bundling them once for every worker process',
        () => bundleForStack(config.home),
        (path) => `Workflows: ${path ? `bundled in ${path}` : "the build's bundle"}`,
      );
      if (bundle) roleEnv.AIOPS_WORKFLOW_BUNDLE = bundle;
    }
    const groups = Object.keys(config.taskQueues);
    await progress.step(
      `Workers: starting one process per task queue group (${groups.join(', ')})`,
      () => Promise.all(groups.map((g) => role(`worker-${g}`, ['worker', '--queues', g]))),
      () =>
        `Workers: ${groups.map((g) => config.taskQueues[g as keyof Config['taskQueues']]).join(', ')} polled, each by its own process (logs in ${join(config.home, 'logs')})`,
    );
    await progress.step(
      `Ingest: starting the OTLP receivers (gRPC :${config.ingest.grpcPort}, HTTP :${config.ingest.httpPort})`,
      () => role('ingest', ['ingest']),
      () =>
        `Ingest: OTLP/gRPC on 127.0.0.1:${config.ingest.grpcPort}, OTLP/HTTP on http://127.0.0.1:${config.ingest.httpPort}`,
    );
    const { slack } = config.remediation;
    await progress.step(
      `Approvals: starting the approval gateway${slack ? ` (Slack ${slack.mode} mode)` : ''}`,
      () => role('gateway', ['gateway']),
      () => `Approvals: gateway on ${config.remediation.gateway.url}`,
    );
    for (const schedule of engineSchedules(config)) {
      await progress.step(
        `Schedule: registering ${schedule.scheduleId}`,
        () => ensureSchedule(client, schedule),
        (outcome) =>
          `Schedule: ${schedule.scheduleId} ${outcome} (every ${schedule.everySeconds}s)`,
      );
    }
    let stopping: Promise<void> | undefined;
    return {
      databaseUrl: dbUrl,
      temporalAddress: address,
      uiUrl,
      pool,
      client,
      otlpHttpEndpoint: `http://127.0.0.1:${config.ingest.httpPort}`,
      otlpGrpcAddress: `127.0.0.1:${config.ingest.grpcPort}`,
      components,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Where the workers find the knowledge graph: the configured Neo4j (inherited settings), or a
 * local one started from its jars under supervision; none when that cannot start.
 */
async function startKnowledgeGraph(
  config: Config,
  progress: Progress,
  pidFiles: PidFiles,
  keep: <T extends Exiting>(name: string, start: () => Promise<T>) => Promise<Supervised<T>>,
): Promise<Record<string, string>> {
  const { neo4j } = config.investigation;
  if (neo4j.uri) return {};
  try {
    const server = await progress.step(
      `Neo4j: starting the knowledge graph on 127.0.0.1:${neo4j.boltPort}`,
      async () =>
        (
          await keep('Neo4j', () =>
            startNeo4j({
              home: neo4j.home,
              boltPort: neo4j.boltPort,
              log: progress.info,
              pidFiles,
            }),
          )
        ).current(),
      (n) => `Neo4j: ${n.version} on ${n.uri} (data in ${neo4j.home})`,
    );
    return {
      NEO4J_URI: server.uri,
      NEO4J_USER: localNeo4jUser,
      NEO4J_PASSWORD: localNeo4jPassword,
    };
  } catch (err) {
    // The graph is advisory: investigations still run without it and say so.
    progress.info(
      `Neo4j unavailable, investigations will run without the knowledge graph: ${String(err)}`,
    );
    return {};
  }
}
