/**
 * The hour of history before an investigation's baseline, as the store reads it: only what was
 * stored while no incident was going on, and each read within its time budget (issue #20).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rankWindow } from '../../activities/investigation';
import { metricHistoryReadings } from '../../store/metric-history';
import { pastStatementBudget } from '../../store/statement-budget';
import { createIsolatedDatabase, whileLocked } from '../setup/database';
import { partitionsAround } from '../setup/detection-database';

const minute = 60_000;
/** An hour on the hour, so the history's rows sit in one hourly partition of their own. */
const t0 = Date.UTC(2026, 0, 7, 9, 0, 0);
const hour = { from: new Date(t0), to: new Date(t0 + 60 * minute) };
/** Minutes 20 to 30 of the hour: an incident's period. */
const busy = [{ from: t0 + 20 * minute, to: t0 + 30 * minute }];

describe('the history before a baseline, read from the store', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    await partitionsAround(db.pool, t0 + 60 * minute);
    const one = async (sql: string, values: unknown[]) =>
      (await db.pool.query<{ id: number }>(sql, values)).rows[0]!.id;
    const service = await one('INSERT INTO services (name) VALUES ($1) RETURNING id', ['cart']);
    const metric = await one(
      "INSERT INTO metrics (name, type, unit, description) VALUES ($1, 1, 's', '') RETURNING id",
      ['PodClientLatencyP99'],
    );
    const source = await one(
      `INSERT INTO telemetry_sources (fingerprint, resource) VALUES ('\\x01', $1) RETURNING id`,
      [{ 'service.name': 'cart', 'k8s.pod.name': 'cart-0' }],
    );
    // One reading a minute through the hour and the window after it, its value its minute.
    await db.pool.query(
      `INSERT INTO metric_points (time, metric_id, service_id, source_id, value)
       SELECT $1::timestamptz + i * interval '1 minute', $2, $3, $4, i
         FROM generate_series(0, 69) AS i`,
      [new Date(t0), metric, service, source],
    );
  });
  afterAll(async () => {
    await db.drop();
  });

  describe('metricHistoryReadings', () => {
    it('keeps the latest readings past its limit, oldest first', async () => {
      const all = await metricHistoryReadings(db.pool, hour);
      expect(all.map((r) => r.value)).toEqual([...Array(60).keys()]);
      expect(all[0]).toMatchObject({ service: 'cart', instance: 'cart-0' });
      const latest = await metricHistoryReadings(db.pool, hour, { limit: 10 });
      expect(latest.map((r) => r.value)).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
    });

    it('leaves out what was read while an incident was going on, before the limit counts', async () => {
      const quiet = await metricHistoryReadings(db.pool, hour, { busy });
      expect(quiet.map((r) => r.value)).toEqual([
        ...[...Array(20).keys()],
        ...[...Array(30).keys()].map((i) => i + 30),
      ]);
      const latest = await metricHistoryReadings(db.pool, hour, { busy, limit: 35 });
      expect(latest.map((r) => r.value)).toEqual([
        ...[15, 16, 17, 18, 19],
        ...[...Array(30).keys()].map((i) => i + 30),
      ]);
    });

    it('gives up past its budget with a timeout error', async () => {
      const err: unknown = await whileLocked(db.pool, 'metric_points', () =>
        metricHistoryReadings(db.pool, hour, { budgetMs: 200 }),
      ).catch((e: unknown) => e);
      expect(pastStatementBudget(err)).toBe(true);
    });
  });

  it('ranks without a metric history read past its budget and says so', async () => {
    const window = {
      faultStart: new Date(t0 + 63 * minute),
      end: new Date(t0 + 66 * minute),
      baselineMs: 3 * minute,
      historyBudgetMs: 200,
    };
    const full = await rankWindow(db.pool, window);
    // The hour before the baseline is the first hourly partition; the window reads only the next.
    const partition = await db.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = 'metric_points'
          AND pg_get_expr(c.relpartbound, c.oid) LIKE $1`,
      [`%FROM ('${new Date(t0).toISOString().slice(0, 10)} 09:00:00%`],
    );
    const cut = await whileLocked(db.pool, partition.rows[0]!.name, () =>
      rankWindow(db.pool, window),
    );

    expect(full.notes).toEqual([]);
    expect(cut.notes).toEqual([
      'metric history of the hour before left out: not read within its 200 ms budget',
    ]);
  });
});
