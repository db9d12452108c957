import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createPool, type Pool } from '../../store/db';
import { migrate } from '../../store/migrate';
import { temporalAddress, type Config } from '../config';
import { engineSchedules, ensureSchedule } from '../schedules';
import { startWorkers, type RunningWorkers } from '../worker';
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
  /** Stops what this stack started, in reverse order. Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Brings up the local stack: PostgreSQL (embedded unless DATABASE_URL), schema migrations,
 * Temporal (dev server unless TEMPORAL_ADDRESS), the workers and the schedules.
 */
export async function startStack(config: Config, progress: Progress): Promise<RunningStack> {
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
    const connection = await Connection.connect({ address });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: config.temporal.namespace });

    const workers = await progress.step(
      'Worker: bundling workflows and starting workers',
      () =>
        startWorkers({
          config,
          address,
          deps: {
            pool,
            client,
            detection: {
              graceSeconds: config.detection.graceSeconds,
              maxWindowSeconds: 300,
              threshold: config.detection.threshold,
              incidentTaskQueue: config.taskQueues.incident,
              quietPeriodSeconds: config.detection.quietPeriodSeconds,
            },
          },
        }),
      (w) => `Worker: polling task queues ${w.taskQueues.join(', ')}`,
    );
    stops.push(() => workers.shutdown());
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
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
