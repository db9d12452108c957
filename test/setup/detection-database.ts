import type { Pool } from '../../store/db';
import { createIsolatedDatabase } from './database';

/** Telemetry partitions an hour either side of `at`, so a test's rows there have a home. */
export async function partitionsAround(pool: Pool, at: number): Promise<void> {
  await pool.query('SELECT ensure_telemetry_partitions($1, $2)', [
    new Date(at - 3_600_000),
    new Date(at + 3_600_000),
  ]);
}

export type DetectionDatabase = Awaited<ReturnType<typeof createIsolatedDatabase>>;

/**
 * A database of the test's own for detection: telemetry partitions an hour either side of
 * `start`, the services and gauges named, and a pass recorded a bucket before `start` (so the
 * first pass scores from `start`, as the Schedule's would).
 */
export async function detectionDatabase(
  start: number,
  bucketMs: number,
  { services, gauges = [] }: { services: string[]; gauges?: string[] },
): Promise<DetectionDatabase> {
  const db = await createIsolatedDatabase();
  await partitionsAround(db.pool, start);
  for (const s of services) await db.pool.query('INSERT INTO services (name) VALUES ($1)', [s]);
  for (const g of gauges)
    await db.pool.query(
      "INSERT INTO metrics (name, type, unit, description) VALUES ($1, 1, '1', '')",
      [g],
    );
  await db.pool.query(
    `INSERT INTO detection_pass (pass_id, window_end, result) VALUES ('seed', $1, '{}')`,
    [new Date(start - bucketMs)],
  );
  return db;
}
