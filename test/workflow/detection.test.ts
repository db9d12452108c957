import { describe, expect, it } from 'vitest';
import type { Pool } from '../../store/db';
import {
  histogramLiteral,
  latencyBucket,
  latencyBucketCount,
} from '../../store/telemetry-histogram';
import { loadConfig } from '../../worker/config';
import { engineSchedules, ensureSchedule } from '../../worker/schedules';
import { incidentState } from '../../workflows/incident/messages';
import { partitionsAround } from '../setup/detection-database';
import { useTemporalAndIsolatedDatabase } from '../setup/suite';
import { connectTemporal } from '../setup/temporal';

const bucketMs = 10_000;
const services = ['frontend', 'checkout', 'cart', 'db'];
const edges: [string, string][] = [
  ['frontend', 'checkout'],
  ['frontend', 'cart'],
  ['checkout', 'db'],
  ['cart', 'db'],
];

function latencyLiteral(ms: number, calls: number): string {
  const dense = new Array<number>(latencyBucketCount).fill(0);
  dense[latencyBucket(ms * 1000)] = calls;
  return histogramLiteral(dense);
}

async function writeBucket(
  pool: Pool,
  bucket: number,
  latencyMs: (service: string) => number,
  errors: (service: string) => number = () => 0,
) {
  const ids = new Map(
    (await pool.query<{ id: number; name: string }>('SELECT id, name FROM services')).rows.map(
      (r) => [r.name, r.id],
    ),
  );
  const at = new Date(bucket);
  for (const s of services) {
    await pool.query(
      `INSERT INTO rollup_services (bucket, service_id, calls, errors, duration_sum_us, latency)
       VALUES ($1, $2, 100, $3, 0, $4::int4[])`,
      [at, ids.get(s), errors(s), latencyLiteral(latencyMs(s), 100)],
    );
  }
  for (const [caller, callee] of edges) {
    await pool.query(
      `INSERT INTO rollup_edges (bucket, caller_service_id, callee_service_id, calls, errors, duration_sum_us, latency)
       VALUES ($1, $2, $3, 100, 0, 0, $4::int4[])`,
      [at, ids.get(caller), ids.get(callee), latencyLiteral(latencyMs(callee) + 1, 100)],
    );
  }
}

describe('detection: Schedule → detection pass → one incident per fault', () => {
  const suite = useTemporalAndIsolatedDatabase();

  it('opens one incident for ten correlated anomalies, attaches a repeat, resolves when quiet', async () => {
    const { env, db } = suite;
    const config = loadConfig({
      AIOPS_TASK_QUEUE_PREFIX: env.taskQueue,
      AIOPS_DETECTION_INTERVAL_SECONDS: '3600',
    });
    // The last complete bucket, with the clock just past its grace period.
    const lastBucket = Math.floor(Date.now() / bucketMs) * bucketMs - bucketMs;
    let now = lastBucket + bucketMs + 4_000;
    const pool = db.pool;
    await partitionsAround(pool, lastBucket);
    for (const s of services) await pool.query('INSERT INTO services (name) VALUES ($1)', [s]);
    // Ten minutes of healthy traffic, then a slow database that makes every caller slow.
    for (let b = lastBucket - 60 * bucketMs; b < lastBucket; b += bucketMs) {
      await writeBucket(pool, b, () => 20 + ((b / bucketMs) % 4));
    }
    await writeBucket(
      pool,
      lastBucket,
      (s) => (s === 'db' ? 400 : 450),
      (s) => (s === 'db' || s === 'checkout' ? 30 : 0),
    );
    await pool.query(
      `INSERT INTO detection_pass (pass_id, window_end, result) VALUES ('seed', $1, '{}')`,
      [new Date(lastBucket - 61 * bucketMs)],
    );

    const deps = {
      pool,
      client: env.client,
      clock: () => now,
      detection: {
        graceSeconds: 3,
        maxWindowSeconds: 900,
        threshold: 0.9,
        incidentTaskQueue: env.taskQueue,
        quietPeriodSeconds: 4,
        faultEvidenceSeconds: 0,
      },
    };
    const detectionScheduleId = config.scheduleIds.detection;
    const detection = engineSchedules(config).find((s) => s.scheduleId === detectionScheduleId)!;
    const incidentHandle = env.client.workflow.getHandle('incident-db');
    await env.withWorker(deps, async () => {
      const housekeeping = await connectTemporal(config.taskQueues.detection);
      try {
        await housekeeping.withWorker(deps, async () => {
          await ensureSchedule(env.client, detection);
          const schedule = env.client.schedule.getHandle(detectionScheduleId);
          try {
            await schedule.trigger();
            const first = await waitFor(
              async () => (await schedule.describe()).info.recentActions.length >= 1,
            );
            expect(first).toBe(true);
            const firstRun = (await schedule.describe()).info.recentActions[0]!.action.workflow;
            const summary = await env.client.workflow
              .getHandle(firstRun.workflowId, firstRun.firstExecutionRunId)
              .result();
            expect(summary.anomalies).toBeGreaterThanOrEqual(10);
            expect(summary.incidents).toEqual(['incident-db']);

            const opened = await incidentHandle.query(incidentState);
            expect(opened.status).toBe('open');
            expect(opened.services).toEqual(['cart', 'checkout', 'db', 'frontend']);

            // The fault goes on: the next pass attaches to the same incident.
            await writeBucket(pool, lastBucket + bucketMs, (s) => (s === 'db' ? 420 : 470));
            now += bucketMs;
            await schedule.trigger();
            expect(
              await waitFor(async () => (await schedule.describe()).info.recentActions.length >= 2),
            ).toBe(true);
            const attached = await waitFor(
              async () =>
                (await incidentHandle.query(incidentState)).anomalyCount > opened.anomalyCount,
            );
            expect(attached).toBe(true);

            // Quiet from here on: the incident resolves itself.
            const resolved = await incidentHandle.result();
            expect(resolved.status).toBe('resolved');
            const attrs = (await incidentHandle.describe()).typedSearchAttributes;
            expect(attrs.get({ name: 'IncidentService', type: 'KEYWORD' })).toBe('db');
            expect(attrs.get({ name: 'IncidentStatus', type: 'KEYWORD' })).toBe('resolved');
          } finally {
            await schedule.delete();
          }
        });
      } finally {
        await housekeeping.close();
      }
    });
    const { rows } = await pool.query('SELECT fingerprint, status FROM incident');
    expect(rows).toEqual([{ fingerprint: 'db', status: 'resolved' }]);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
