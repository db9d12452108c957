import { resolve } from 'node:path';
import { runner } from 'node-pg-migrate';

export const migrationsDir = resolve(__dirname, 'migrations');

/** Applies every pending schema migration; safe to call on each start (a lock serialises runs). */
export async function migrate(databaseUrl: string, log: (msg: string) => void = () => undefined) {
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    log,
    logger: { debug: () => undefined, info: log, warn: log, error: log },
    checkOrder: true,
  });
  return applied.map((m) => m.name);
}
