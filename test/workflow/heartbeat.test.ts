import { describe, expect, it } from 'vitest';
import type { Pool } from '../../store/db';
import { loadConfig } from '../../worker/config';
import { engineSchedules, ensureSchedule } from '../../worker/schedules';
import { useTemporalAndSharedDatabase } from '../setup/suite';
import { connectTemporal } from '../setup/temporal';

async function heartbeatRows(pool: Pool, workflowIdPrefix: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM heartbeat WHERE workflow_id LIKE $1',
    [`${workflowIdPrefix}%`],
  );
  return Number(rows[0]?.n ?? 0);
}

describe('heartbeat chain: Schedule → workflow → activity → PostgreSQL', () => {
  const suite = useTemporalAndSharedDatabase();

  it('records exactly one row per workflow run', async () => {
    const { env, pool } = suite;
    const workflowId = `heartbeat-direct-${env.taskQueue}`;
    await env.withWorker({ pool }, () =>
      env.client.workflow.execute('heartbeatWorkflow', { taskQueue: env.taskQueue, workflowId }),
    );
    expect(await heartbeatRows(pool, workflowId)).toBe(1);
  });

  it('registers the schedule idempotently and its runs write rows', async () => {
    const { env, pool } = suite;
    const config = loadConfig({
      AIOPS_TASK_QUEUE_PREFIX: env.taskQueue,
      AIOPS_HEARTBEAT_INTERVAL_SECONDS: '3600',
    });
    const heartbeatScheduleId = config.scheduleIds.heartbeat;
    const heartbeat = engineSchedules(config).find((s) => s.scheduleId === heartbeatScheduleId)!;
    expect(await ensureSchedule(env.client, heartbeat)).toBe('created');
    expect(await ensureSchedule(env.client, heartbeat)).toBe('updated');
    const schedule = env.client.schedule.getHandle(heartbeatScheduleId);
    try {
      const described = await schedule.describe();
      expect(described.action).toMatchObject({
        workflowType: 'heartbeatWorkflow',
        taskQueue: config.taskQueues.housekeeping,
      });
      const housekeeping = await connectTemporal(config.taskQueues.housekeeping);
      try {
        await housekeeping.withWorker({ pool }, async () => {
          await schedule.trigger();
          const deadline = Date.now() + 30_000;
          while (Date.now() < deadline && (await heartbeatRows(pool, heartbeatScheduleId)) === 0) {
            await new Promise((r) => setTimeout(r, 200));
          }
        });
      } finally {
        await housekeeping.close();
      }
      expect(await heartbeatRows(pool, heartbeatScheduleId)).toBe(1);
    } finally {
      await schedule.delete();
    }
  });
});
