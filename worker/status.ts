import { createPool } from '../store/db';
import { countHeartbeats } from '../store/heartbeat';
import { databaseUrl, temporalAddress, type Config } from './config';
import { engineSchedules } from './schedules';
import { connectClient } from './temporal-connection';
import type { Check } from './doctor';

/** What is running right now: database, Temporal, worker pollers and the schedule. */
export async function stackStatus(config: Config): Promise<Check[]> {
  const checks: Check[] = [];
  const pool = createPool(databaseUrl(config), 1);
  try {
    const n = await countHeartbeats(pool);
    checks.push({
      component: 'PostgreSQL',
      state: 'ok',
      detail: `up; ${n} heartbeat row(s) recorded`,
    });
  } catch (err) {
    checks.push({
      component: 'PostgreSQL',
      state: 'missing',
      detail: `not reachable: ${err instanceof Error ? err.message : String(err)}`,
      fix: 'Run `npm start`.',
    });
  } finally {
    await pool.end();
  }
  const address = temporalAddress(config);
  let connected: Awaited<ReturnType<typeof connectClient>>;
  try {
    connected = await connectClient(config.temporal, address, { connectTimeout: 3_000 });
  } catch (err) {
    checks.push({
      component: 'Temporal',
      state: 'missing',
      detail: err instanceof Error ? err.message : `not reachable at ${address}`,
      fix: 'Run `npm start`.',
    });
    return checks;
  }
  const { connection, client } = connected;
  try {
    checks.push({
      component: 'Temporal',
      state: 'ok',
      detail: `up at ${address}${config.temporal.address ? '' : `; Web UI http://127.0.0.1:${config.temporal.uiPort}`}`,
    });
    for (const taskQueue of Object.values(config.taskQueues)) {
      const described = await connection.workflowService.describeTaskQueue({
        namespace: config.temporal.namespace,
        taskQueue: { name: taskQueue },
      });
      const pollers = described.pollers?.length ?? 0;
      checks.push(
        pollers > 0
          ? { component: 'Worker', state: 'ok', detail: `${taskQueue}: ${pollers} poller(s)` }
          : {
              component: 'Worker',
              state: 'missing',
              detail: `${taskQueue}: no pollers`,
              fix: 'Run `npm start`.',
            },
      );
    }
    for (const { scheduleId } of engineSchedules(config)) {
      try {
        const schedule = await client.schedule.getHandle(scheduleId).describe();
        const last = schedule.info.recentActions.at(-1)?.takenAt;
        checks.push({
          component: 'Schedule',
          state: 'ok',
          detail: `${scheduleId}: ${schedule.info.numActionsTaken} run(s)${last ? `, last ${last.toISOString()}` : ''}`,
        });
      } catch {
        checks.push({
          component: 'Schedule',
          state: 'missing',
          detail: `${scheduleId} not registered`,
          fix: 'Run `npm start`.',
        });
      }
    }
  } finally {
    await connection.close();
  }
  return checks;
}
