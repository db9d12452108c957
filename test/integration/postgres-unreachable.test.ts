import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../worker/stack/ports';
import { PostgresStartError, startEmbeddedPostgres } from '../../worker/stack/postgres';

const asRoot = process.getuid?.() === 0;

describe('embedded PostgreSQL started as root', () => {
  it.runIf(asRoot)(
    'stops with one clear line when its data folder is out of the postgres user’s reach',
    async () => {
      const privateDir = await mkdtemp(join(tmpdir(), 'aiops-private-'));
      await chmod(privateDir, 0o700);
      try {
        const start = startEmbeddedPostgres({
          dataDir: join(privateDir, 'pg'),
          port: await freePort(),
        });
        const err = await start.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(PostgresStartError);
        const message = (err as Error).message;
        expect(message).toContain(`the \`postgres\` user, which cannot reach ${privateDir}`);
        expect(message).toMatch(/chmod o\+x/);
        expect(message.split('\n')).toHaveLength(1);
      } finally {
        await rm(privateDir, { recursive: true, force: true });
      }
    },
  );
});
