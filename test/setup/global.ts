import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../store/migrate';
import { bundleEngineWorkflows } from '../../worker/worker';
import { startNeo4j } from '../../worker/stack/neo4j';
import { freePort } from '../../worker/stack/ports';
import { startEmbeddedPostgres } from '../../worker/stack/postgres';
import { ensureTemporalCli } from '../../worker/stack/temporal-cli';
import { engineSearchAttributes, startTemporalDevServer } from '../../worker/stack/temporal-server';
import { ensureOpensshServer } from './openssh';
import { ensurePrometheusServers } from './prometheus';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    workflowBundlePath: string;
    workDir: string;
    /** The test Neo4j, or why it did not start (only the tests that need it fail then). */
    neo4j: { uri: string; user: string; password: string } | { error: string };
  }
}

/**
 * Starts, once per run, what the tests share: a real PostgreSQL (embedded binaries, fresh data
 * directory), a real Temporal dev server (in memory, headless), a real Neo4j (Maven Central jars
 * in ./.aiops/neo4j/lib, fresh data directory) and the engine's workflow bundle (with its
 * OpenTelemetry interceptors, as the workers run it).
 */
export default async function setup(project: TestProject) {
  const workDir = await mkdtemp(join(tmpdir(), 'aiops-test-'));
  // PostgreSQL runs as the `postgres` user when we are root; it must be able to reach its data.
  await chmod(workDir, 0o755);
  const toolsDir = join(process.cwd(), '.aiops', 'tools');
  const cleanups: (() => Promise<unknown>)[] = [
    () => rm(workDir, { recursive: true, force: true }),
  ];
  const teardown = async () => {
    while (cleanups.length)
      await cleanups
        .pop()?.()
        .catch(() => undefined);
  };
  // Started alongside the rest; never rejects, so a broken Neo4j fails only the graph tests.
  const neo4j = freePort()
    .then((boltPort) =>
      startNeo4j({
        home: join(workDir, 'neo4j'),
        libDir: join(process.cwd(), '.aiops', 'neo4j', 'lib'),
        boltPort,
        log: (m) => console.log(`neo4j: ${m}`),
      }),
    )
    .then(
      (server) => {
        cleanups.push(server.stop);
        return { uri: server.uri, user: server.user, password: server.password };
      },
      (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
    );
  try {
    const [pg, cli] = await Promise.all([
      freePort().then((port) => startEmbeddedPostgres({ dataDir: join(workDir, 'pg'), port })),
      ensureTemporalCli(toolsDir, process.env.TEMPORAL_CLI_PATH, (m) => console.log(m)),
      // One apt-get at a time: both take its locks.
      ensureOpensshServer((m) => console.log(m)).then(() =>
        ensurePrometheusServers((m) => console.log(m)),
      ),
    ]);
    cleanups.push(pg.stop);
    const temporal = await startTemporalDevServer({
      cliPath: cli.path,
      port: await freePort(),
      namespace: 'default',
      logFile: join(workDir, 'temporal.log'),
      searchAttributes: engineSearchAttributes,
      readyTimeoutMs: 180_000,
    });
    cleanups.push(temporal.stop);
    await migrate(pg.url);
    const bundle = await bundleEngineWorkflows();
    const workflowBundlePath = join(workDir, 'workflow-bundle.js');
    await writeFile(workflowBundlePath, bundle.code);
    project.provide('databaseUrl', pg.url);
    project.provide('temporalAddress', temporal.address);
    project.provide('workflowBundlePath', workflowBundlePath);
    project.provide('workDir', workDir);
    project.provide('neo4j', await neo4j);
  } catch (err) {
    // One line that says what to do (vitest may exit before printing a setup error in full).
    process.stderr.write(
      `test setup failed: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    await neo4j;
    await teardown();
    throw err;
  }
  return teardown;
}
