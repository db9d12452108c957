import { describe, expect, it } from 'vitest';
import type { Pool } from '../../store/db';
import { ensureTelemetryPartitions } from '../../store/telemetry-partitions';
import { loadConfig } from '../../worker/config';
import { ensureRetentionSchedule } from '../../worker/schedules';
import type { RetentionSummary } from '../../workflows/retention';
import { useTemporalAndSharedDatabase } from '../setup/suite';

const dayMs = 86_400_000;

async function partitions(pool: Pool, pattern: string): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class WHERE relname LIKE $1 AND relkind = 'r' ORDER BY 1`,
    [pattern],
  );
  return rows.map((r) => r.name);
}

/** Partition names of a UTC time, e.g. spans_p2024010203 / rollup_logs_p20240102. */
const hourly = (t: Date) => t.toISOString().slice(0, 13).replace(/[-T]/g, '');
const daily = (t: Date) => t.toISOString().slice(0, 10).replace(/-/g, '');

describe('telemetry retention (Temporal Schedule → workflow → activities)', () => {
  const suite = useTemporalAndSharedDatabase();

  it('creates partitions ahead and drops only those past retention', async () => {
    const { env, pool } = suite;
    // Far in the past, so no other test's data is anywhere near these partitions.
    const ancient = new Date(Date.now() - 800 * dayMs);
    const old = new Date(Date.now() - 500 * dayMs);
    await ensureTelemetryPartitions(pool, ancient, ancient);
    await ensureTelemetryPartitions(pool, old, old);
    const policy = { rawRetentionHours: 400 * 24, rollupRetentionDays: 700, aheadHours: 30 };
    const summary = await env.withWorker({ pool }, () =>
      env.client.workflow.execute<(p: typeof policy) => Promise<RetentionSummary>>(
        'retentionWorkflow',
        { taskQueue: env.taskQueue, workflowId: `retention-${env.taskQueue}`, args: [policy] },
      ),
    );
    // Raw partitions older than 400 days went; the 800-day-old rollups too, not the 500-day ones.
    expect(summary.partitionsDropped).toEqual(
      expect.arrayContaining([`spans_p${hourly(ancient)}`, `rollup_logs_p${daily(ancient)}`]),
    );
    expect(await partitions(pool, `%_p${hourly(ancient)}`)).toEqual([]);
    expect(await partitions(pool, `%_p${daily(ancient)}`)).toEqual([]);
    expect(await partitions(pool, `spans_p${hourly(old)}`)).toEqual([]);
    expect(await partitions(pool, `rollup_logs_p${daily(old)}`)).toEqual([
      `rollup_logs_p${daily(old)}`,
    ]);
    expect(summary.partitionsDropped).not.toContain(`spans_p${hourly(new Date())}`);
    const ahead = new Date(Date.now() + 29 * 3_600_000);
    expect(await partitions(pool, `%_p${hourly(ahead)}`)).toEqual([
      `logs_p${hourly(ahead)}`,
      `metric_points_p${hourly(ahead)}`,
      `spans_p${hourly(ahead)}`,
    ]);
  });

  it('registers the retention schedule idempotently, hourly, with the configured policy', async () => {
    const { env } = suite;
    const config = loadConfig({
      AIOPS_TASK_QUEUE_PREFIX: env.taskQueue,
      AIOPS_RAW_RETENTION_HOURS: '48',
      AIOPS_ROLLUP_RETENTION_DAYS: '14',
    });
    expect(await ensureRetentionSchedule(env.client, config)).toBe('created');
    expect(await ensureRetentionSchedule(env.client, config)).toBe('updated');
    const handle = env.client.schedule.getHandle(config.scheduleIds.retention);
    try {
      const described = await handle.describe();
      expect(described.action).toMatchObject({
        workflowType: 'retentionWorkflow',
        taskQueue: config.taskQueues.housekeeping,
        args: [{ rawRetentionHours: 48, rollupRetentionDays: 14, aheadHours: 24 }],
      });
      expect(described.spec.intervals?.[0]?.every).toBe(3_600_000);
    } finally {
      await handle.delete();
    }
  });
});
