import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Driver } from 'neo4j-driver';
import type { ActivityDeps } from '../../activities';
import { createGraphDriver } from '../../activities/knowledge-graph';
import { startReceivers } from '../../ingest/receivers';
import { createPool, type Pool } from '../../store/db';
import { migrate } from '../../store/migrate';
import { createApprovalAuthority, loadAuthorityKey } from '../approval-authority';
import { startApprovalGateway } from '../approval-gateway';
import { temporalAddress, type Config } from '../config';
import { engineActivityDeps } from '../engine-deps';
import { engineSchedules, ensureSchedule } from '../schedules';
import { connectClient } from '../temporal-connection';
import { startWorkers, type RunningWorkers } from '../worker';
import { startNeo4j } from './neo4j';
import { startEmbeddedPostgres } from './postgres';
import type { Progress } from './progress';
import { ensureTemporalCli } from './temporal-cli';
import { engineSearchAttributes, startTemporalDevServer } from './temporal-server';

export interface RunningStack {
  databaseUrl: string;
  temporalAddress: string;
  uiUrl: string | undefined;
  pool: Pool;
  client: Client;
  workers: RunningWorkers;
  /** OTLP/HTTP endpoint of the receivers, e.g. http://127.0.0.1:4318 */
  otlpHttpEndpoint: string;
  otlpGrpcAddress: string;
  /** Stops what this stack started, in reverse order. Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Brings up the local stack: PostgreSQL (embedded unless DATABASE_URL), schema migrations,
 * Temporal (dev server unless TEMPORAL_ADDRESS), Neo4j (local unless NEO4J_URI), the workers,
 * the OTLP receivers, the schedules and the approval gateway (with Slack when configured).
 */
export async function startStack(
  config: Config,
  progress: Progress,
  /** Dependencies that replace the configured ones (the demo's Kubernetes stand-in). */
  overrides: Partial<ActivityDeps> = {},
): Promise<RunningStack> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    while (stops.length)
      await stops
        .pop()?.()
        .catch(() => undefined);
  };
  try {
    const dbUrl = config.postgres.url
      ? config.postgres.url
      : await progress.step(
          `PostgreSQL: starting embedded server on 127.0.0.1:${config.postgres.port}`,
          async () => {
            const pg = await startEmbeddedPostgres({
              dataDir: config.postgres.dataDir,
              port: config.postgres.port,
            });
            stops.push(pg.stop);
            return pg.url;
          },
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
        () =>
          startTemporalDevServer({
            cliPath: cli.path,
            port: config.temporal.port,
            uiPort: config.temporal.uiPort,
            namespace: config.temporal.namespace,
            dbFile: config.temporal.dbFile,
            logFile: join(config.home, 'temporal', 'server.log'),
            searchAttributes: engineSearchAttributes,
          }),
        (s) =>
          `Temporal: dev server on ${s.address}, Web UI ${s.uiUrl} (state in ${config.temporal.dbFile})`,
      );
      stops.push(server.stop);
      address = server.address;
      uiUrl = server.uiUrl;
    }
    const { connection, client } = await connectClient(config.temporal, address);
    stops.push(() => connection.close());

    const neo4j = await startKnowledgeGraph(config, progress, stops);
    const deps = { ...(await engineActivityDeps(config, { pool, client, neo4j })), ...overrides };
    const workers = await progress.step(
      'Worker: starting workers',
      () => startWorkers({ config, address, deps }),
      (w) => `Worker: polling task queues ${w.taskQueues.join(', ')}`,
    );
    stops.push(() => workers.shutdown());
    const receivers = await progress.step(
      `Ingest: starting OTLP receivers (gRPC :${config.ingest.grpcPort}, HTTP :${config.ingest.httpPort})`,
      () => startReceivers({ config, pool }),
      (r) =>
        `Ingest: OTLP/gRPC on 127.0.0.1:${r.grpcPort}, OTLP/HTTP on http://127.0.0.1:${r.httpPort}`,
    );
    stops.push(() => receivers.stop());
    const { slack, gateway: gatewaySettings, approval } = config.remediation;
    const gateway = await progress.step(
      `Approvals: starting the approval gateway${slack ? ` (Slack ${slack.mode} mode)` : ''}`,
      async () =>
        startApprovalGateway({
          temporal: client,
          gateway: gatewaySettings,
          authority: createApprovalAuthority(await loadAuthorityKey(approval.keyFile)),
          ...(slack ? { slack } : {}),
          log: progress.info,
        }),
    );
    stops.push(() => gateway.stop());
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
      workers,
      otlpHttpEndpoint: `http://127.0.0.1:${receivers.httpPort}`,
      otlpGrpcAddress: `127.0.0.1:${receivers.grpcPort}`,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The knowledge graph's driver: the configured Neo4j, or a local one started from its jars. */
async function startKnowledgeGraph(
  config: Config,
  progress: Progress,
  stops: (() => Promise<void>)[],
): Promise<Driver | undefined> {
  const { neo4j } = config.investigation;
  if (neo4j.uri) {
    return createGraphDriver({ uri: neo4j.uri, user: neo4j.user, password: neo4j.password ?? '' });
  }
  try {
    const server = await progress.step(
      `Neo4j: starting the knowledge graph on 127.0.0.1:${neo4j.boltPort}`,
      () => startNeo4j({ home: neo4j.home, boltPort: neo4j.boltPort, log: progress.info }),
      (n) => `Neo4j: ${n.version} on ${n.uri} (data in ${neo4j.home})`,
    );
    stops.push(server.stop);
    const driver = createGraphDriver(server);
    stops.push(() => driver.close());
    return driver;
  } catch (err) {
    // The graph is advisory: investigations still run without it and say so.
    progress.info(
      `Neo4j unavailable, investigations will run without the knowledge graph: ${String(err)}`,
    );
    return undefined;
  }
}
