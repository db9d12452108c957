import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mineWindowLogs } from '../../activities/log-templates';
import { saveMinerState } from '../../store/log-templates';
import { createIsolatedDatabase } from '../setup/database';

const bucketMs = 10_000;

describe('log template mining in the detection pass', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let start: number;

  async function insertLogs(lines: { at: number; severity: number; body: string }[]) {
    await db.pool.query(
      `INSERT INTO logs (time, service_id, severity_number, body, source_id)
       SELECT to_timestamp(t / 1000.0), (SELECT id FROM services WHERE name = 'cart'), s, b, 1
       FROM unnest($1::float8[], $2::int[], $3::text[]) AS x(t, s, b)`,
      [lines.map((l) => l.at), lines.map((l) => l.severity), lines.map((l) => l.body)],
    );
  }

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    start = Math.floor(Date.now() / bucketMs) * bucketMs - 30 * bucketMs;
    await db.pool.query('SELECT ensure_telemetry_partitions($1, $2)', [
      new Date(start - 3_600_000),
      new Date(start + 3_600_000),
    ]);
    await db.pool.query("INSERT INTO services (name) VALUES ('cart')");
    await db.pool.query(
      `INSERT INTO telemetry_sources (id, fingerprint, resource) VALUES (1, '\\x00', '{}')`,
    );
  });
  afterAll(() => db.drop());

  it('counts records per template and bucket, and flags a new error template once warmed up', async () => {
    const normal = Array.from({ length: 2_400 }, (_, i) => ({
      at: start + (i % 20) * bucketMs + (i % 997),
      severity: 9,
      body:
        i % 2 ? `cart ${i} updated for user u${i % 50}` : `GET /cart/${i} served in ${i % 90} ms`,
    }));
    await insertLogs(normal);
    const warmup = await mineWindowLogs(db.pool, new Date(start), new Date(start + 20 * bucketMs));
    expect(warmup.newTemplates).toEqual([]);
    expect(new Set(warmup.points.map((p) => p.seriesKey)).size).toBe(2);
    expect(warmup.points.reduce((n, p) => n + p.value, 0)).toBe(2_400);
    const client = await db.pool.connect();
    try {
      await saveMinerState(client, warmup.save.state, warmup.save.lines, warmup.seen);
    } finally {
      client.release();
    }

    const faultAt = start + 25 * bucketMs;
    await insertLogs([
      {
        at: faultAt,
        severity: 17,
        body: 'payment declined: connection reset by peer 10.0.0.7:6379',
      },
      { at: faultAt + 1, severity: 9, body: 'cart 99999 updated for user u7' },
    ]);
    const next = await mineWindowLogs(
      db.pool,
      new Date(start + 20 * bucketMs),
      new Date(start + 30 * bucketMs),
    );
    expect(next.newTemplates).toHaveLength(1);
    expect(next.newTemplates[0]).toMatchObject({ service: 'cart', signal: 'logs' });
    // The known line keeps the template id it was given before the restart of the miner.
    const cartUpdated = warmup.seen.find((t) => t.template.startsWith('cart cart'))!;
    expect(next.points.some((p) => p.seriesKey === `tmpl:cart:${cartUpdated.templateId}`)).toBe(
      true,
    );
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM log_templates');
    expect(rows[0].n).toBe(2);
  });
});
