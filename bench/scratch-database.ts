import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, type Pool } from '../store/db';
import { migrate } from '../store/migrate';
import { freePort } from '../worker/stack/ports';
import { startEmbeddedPostgres, type RunningPostgres } from '../worker/stack/postgres';

/**
 * Runs `use` against an embedded PostgreSQL whose data lives in `dataDir` (created, or reused
 * as it was left: `fresh` says which), with the schema migrated and telemetry partitions over
 * `partitions`. The server is stopped afterwards; the data stays.
 */
export async function withDatabaseIn<T>(
  dataDir: string,
  partitions: { from: Date; to: Date },
  use: (pool: Pool, server: { fresh: boolean; postgres: RunningPostgres }) => Promise<T>,
): Promise<T> {
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  const pg = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  const pool = createPool(pg.url);
  try {
    await migrate(pg.url);
    await pool.query('SELECT ensure_telemetry_partitions($1, $2)', [
      partitions.from,
      partitions.to,
    ]);
    return await use(pool, { fresh, postgres: pg });
  } finally {
    await pool.end();
    await pg.stop();
  }
}

/**
 * Runs `use` against a throwaway embedded PostgreSQL with the schema migrated and telemetry
 * partitions over `partitions`; everything is removed afterwards.
 */
export async function withScratchDatabase<T>(
  name: string,
  partitions: { from: Date; to: Date },
  use: (pool: Pool, server: { dataDir: string }) => Promise<T>,
): Promise<T> {
  const workDir = await mkdtemp(join(tmpdir(), `aiops-${name}-`));
  await chmod(workDir, 0o755);
  const dataDir = join(workDir, 'pg');
  try {
    return await withDatabaseIn(dataDir, partitions, (pool) => use(pool, { dataDir }));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
