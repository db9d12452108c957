import { afterAll, beforeAll, inject } from 'vitest';
import { createPool, type Pool } from '../../store/db';
import { createIsolatedDatabase } from './database';
import { connectTemporal, type TemporalTestEnv } from './temporal';

export type IsolatedDatabase = Awaited<ReturnType<typeof createIsolatedDatabase>>;

/**
 * A suite's Temporal connection and a database of its own, made before its tests and closed
 * after them. The fields are set once `beforeAll` has run, so read them inside tests only.
 */
export function useTemporalAndIsolatedDatabase(): { env: TemporalTestEnv; db: IsolatedDatabase } {
  const suite = {} as { env: TemporalTestEnv; db: IsolatedDatabase };
  beforeAll(async () => {
    suite.env = await connectTemporal();
    suite.db = await createIsolatedDatabase();
  });
  afterAll(async () => {
    await suite.db.drop();
    await suite.env.close();
  });
  return suite;
}

/** As `useTemporalAndIsolatedDatabase`, on the shared test database. */
export function useTemporalAndSharedDatabase(): { env: TemporalTestEnv; pool: Pool } {
  const suite = {} as { env: TemporalTestEnv; pool: Pool };
  beforeAll(async () => {
    suite.env = await connectTemporal();
    suite.pool = createPool(inject('databaseUrl'));
  });
  afterAll(async () => {
    await suite.pool.end();
    await suite.env.close();
  });
  return suite;
}

/** Rows of a telemetry table that belong to one service. */
export async function countServiceRows(
  pool: Pool,
  table: string,
  serviceName: string,
): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${table} t JOIN services s ON s.id = t.service_id WHERE s.name = $1`,
    [serviceName],
  );
  return Number(rows[0]?.n ?? 0);
}
