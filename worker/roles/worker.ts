import { InvalidArgumentError } from 'commander';
import { createGraphDriver } from '../../activities/knowledge-graph';
import { createPool } from '../../store/db';
import { databaseUrl, temporalAddress, type Config } from '../config';
import { engineActivityDeps } from '../engine-deps';
import { watchEngineState } from '../telemetry/engine-gauges';
import { connectClient } from '../temporal-connection';
import { startWorkers } from '../worker';
import type { RoleContext, RunningRole } from './role';

export type QueueGroup = keyof Config['taskQueues'];

/** `--queues detection,incident`: concern names, checked against the engine's task queues. */
export function parseQueueGroups(value: string, config: Config): QueueGroup[] {
  const known = Object.keys(config.taskQueues) as QueueGroup[];
  const groups = value
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  const unknown = groups.filter((g) => !known.includes(g as QueueGroup));
  if (groups.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown queue group(s) ${unknown.join(', ') || '(none given)'}; choose from ${known.join(', ')}`,
    );
  }
  return groups as QueueGroup[];
}

/** `aiops worker`: polls the chosen concerns' task queues (all by default) on the configured Temporal. */
export async function startWorkerRole(
  { config, logger, telemetry }: RoleContext,
  groups: QueueGroup[] | undefined,
): Promise<RunningRole> {
  const address = temporalAddress(config);
  const pool = createPool(databaseUrl(config));
  const { connection, client } = await connectClient(config.temporal, address);
  const { neo4j } = config.investigation;
  const graph = neo4j.uri
    ? createGraphDriver({ uri: neo4j.uri, user: neo4j.user, password: neo4j.password ?? '' })
    : undefined;
  watchEngineState(telemetry.meter, pool, (err) =>
    logger.warn({ err }, 'could not read the incident and detection gauges'),
  );
  const deps = await engineActivityDeps(config, { pool, client, neo4j: graph });
  const bundlePath = config.temporal.workflowBundle;
  const workers = await startWorkers({
    config,
    address,
    deps,
    logger,
    telemetry,
    ...(bundlePath && { bundle: { codePath: bundlePath } }),
    ...(groups && { taskQueues: groups.map((g) => config.taskQueues[g]) }),
  });
  logger.info({ taskQueues: workers.taskQueues }, `polling ${workers.taskQueues.join(', ')}`);
  let failure: string | undefined;
  workers.done.catch((err: unknown) => {
    failure = err instanceof Error ? err.message : String(err);
  });
  return {
    ready: async () => failure,
    failed: workers.done,
    async stop() {
      await workers.shutdown().catch(() => undefined);
      await connection.close();
      await graph?.close();
      await pool.end();
    },
  };
}
