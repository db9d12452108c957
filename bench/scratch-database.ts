import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, type Pool } from '../store/db';
import { migrate } from '../store/migrate';
import { freePort } from '../worker/stack/ports';
import { startEmbeddedPostgres } from '../worker/stack/postgres';

/**
 * Runs `use` against a throwaway embedded PostgreSQL with the schema migrated and telemetry
 * partitions over `partitions`; everything is removed afterwards.
 */
export async function withScratchDatabase<T>(
  name: string,
  partitions: { from: Date; to: Date },
  use: (pool: Pool) => Promise<T>,
): Promise<T> {
  const workDir = await mkdtemp(join(tmpdir(), `aiops-${name}-`));
  await chmod(workDir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(workDir, 'pg'), port: await freePort() });
  const pool = createPool(pg.url);
  try {
    await migrate(pg.url);
    await pool.query('SELECT ensure_telemetry_partitions($1, $2)', [
      partitions.from,
      partitions.to,
    ]);
    return await use(pool);
  } finally {
    await pool.end();
    await pg.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}
