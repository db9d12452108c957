import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createPool, type Pool } from '../../store/db';
import { migrate } from '../../store/migrate';

/**
 * A database of the test's own on the shared PostgreSQL server, migrated: for tests whose
 * results depend on everything in the database (detection scores every series it finds).
 */
export async function createIsolatedDatabase(): Promise<{
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}> {
  const base = new URL(inject('databaseUrl'));
  const name = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  const pool = createPool(url.toString());
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const c = new pg.Client({ connectionString: base.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Runs `work` while another transaction holds `table` exclusively, so reads of it wait. */
export async function whileLocked<T>(
  pool: Pool,
  table: string,
  work: () => Promise<T>,
): Promise<T> {
  const holder = await pool.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    return await work();
  } finally {
    await holder.query('ROLLBACK');
    holder.release();
  }
}
