import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import neo4j, { type Driver } from 'neo4j-driver';
import type { PidFiles } from './pid-files';
import { assertPortFree } from './ports';
import { spawnServiceProcess } from './service-process';

const run = promisify(execFile);

/**
 * The local Neo4j: Neo4j Community from Maven Central jars, run with the machine's Java.
 * `deploy/neo4j/pom.xml` names the version; Maven copies its jars into `<libDir>` once, and the
 * server is the jars' own `org.neo4j.server.CommunityEntryPoint`, configured on the command line
 * (no neo4j.conf, no launcher code of ours).
 */
export const neo4jPomPath = resolve(__dirname, '..', '..', 'deploy', 'neo4j', 'pom.xml');
const entryPoint = 'org.neo4j.server.CommunityEntryPoint';
/** Written into libDir after a complete copy: the hash of the pom it came from. */
const fetchedMarker = '.fetched-from-pom';
const minimumJava = 17;

export const localNeo4jUser = 'neo4j';
/** Like the embedded PostgreSQL's: a fixed local password (Neo4j refuses its default one). */
export const localNeo4jPassword = 'aiops-local';

export class Neo4jStartError extends Error {}

/** Where the jars go by default: beside the instance's data. */
export function neo4jLibDir(home: string): string {
  return join(home, 'lib');
}

export interface Neo4jOptions {
  /** Instance directory: data, logs (console.log, debug.log). */
  home: string;
  /** Where the jars are fetched; shared by instances (tests reuse the project's copy). */
  libDir?: string;
  boltPort: number;
  /** Neo4j's HTTP API; off when unset. */
  httpPort?: number;
  /** Setting name shown when the Bolt port is taken. */
  portSetting?: string;
  /** Defaults to JAVA_HOME, then `java` on PATH. */
  javaHome?: string;
  log: (message: string) => void;
  readyTimeoutMs?: number;
  /** Records the server's pid (the local stack's, for leftovers of a crashed run). */
  pidFiles?: PidFiles;
}

export interface RunningNeo4j {
  uri: string;
  user: string;
  password: string;
  version: string;
  /** Settles when the server exits, stopped or not. */
  exited: Promise<void>;
  pid: number | undefined;
  /** Stops the server (graceful, then SIGKILL after 30 s). Safe to call more than once. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Java and Maven

export interface JavaRuntime {
  path: string;
  version: string;
  major: number;
}

/** The Java that will run Neo4j, or why there is none fit for it. */
export async function findJava(
  javaHome = process.env.JAVA_HOME,
): Promise<JavaRuntime | { error: string }> {
  const path = javaHome ? join(javaHome, 'bin', 'java') : 'java';
  let output: string;
  try {
    // `java -version` prints to stderr.
    const { stderr, stdout } = await run(path, ['-version'], { timeout: 15_000 });
    output = `${stderr}${stdout}`;
  } catch (err) {
    return {
      error: isMissingCommand(err)
        ? `no Java found (${javaHome ? `JAVA_HOME=${javaHome}` : '`java` is not on PATH'})`
        : `\`${path} -version\` failed: ${firstLine(err)}`,
    };
  }
  const match = /version "((\d+)(?:\.(\d+))?[^"]*)"/.exec(output);
  if (!match?.[2]) return { error: `cannot read the Java version from \`${path} -version\`` };
  // Java 8 and older report themselves as 1.x.
  const major = match[2] === '1' ? Number(match[3]) : Number(match[2]);
  if (major < minimumJava) {
    return { error: `Java ${match[1]} at ${path} is too old: Neo4j 5 needs Java ${minimumJava}+` };
  }
  return { path, version: match[1] ?? String(major), major };
}

export const javaAdvice =
  `Install a JDK or JRE ${minimumJava}+ (e.g. \`apt-get install openjdk-17-jre-headless\`) or ` +
  'point JAVA_HOME at one; or use an existing Neo4j by setting NEO4J_URI.';

export const mavenAdvice =
  'Maven fetches the Neo4j jars from Maven Central once: install it (e.g. `apt-get install maven`), ' +
  'or use an existing Neo4j by setting NEO4J_URI.';

export async function mavenAvailable(): Promise<boolean> {
  try {
    await run('mvn', ['-v'], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Jars

/** The Neo4j version the pom pins. */
export async function pinnedNeo4jVersion(): Promise<string> {
  const pom = await readFile(neo4jPomPath, 'utf8');
  return /<neo4j\.version>([^<]+)<\/neo4j\.version>/.exec(pom)?.[1] ?? 'unknown';
}

async function pomHash(): Promise<string> {
  return createHash('sha256')
    .update(await readFile(neo4jPomPath))
    .digest('hex');
}

/** Whether libDir holds a complete copy of the jars the current pom names. */
export async function neo4jJarsInstalled(libDir: string): Promise<boolean> {
  const marker = join(libDir, fetchedMarker);
  return existsSync(marker) && (await readFile(marker, 'utf8')).trim() === (await pomHash());
}

/**
 * Copies the jars of deploy/neo4j/pom.xml into libDir with Maven (from Maven Central, through
 * ~/.m2), unless a complete copy for this pom is there. The copy goes to a scratch directory
 * first, so an interrupted fetch never leaves a half-filled libDir behind.
 */
export async function ensureNeo4jJars(
  libDirGiven: string,
  log: (message: string) => void,
  timeoutMs = 15 * 60_000,
): Promise<{ fetched: boolean }> {
  // Maven resolves a relative output directory against the pom's folder, not ours.
  const libDir = resolve(libDirGiven);
  if (await neo4jJarsInstalled(libDir)) return { fetched: false };
  if (!(await mavenAvailable())) throw new Neo4jStartError(`No Maven found. ${mavenAdvice}`);
  const version = await pinnedNeo4jVersion();
  const scratch = `${libDir}.partial-${process.pid}`;
  await rm(scratch, { recursive: true, force: true });
  log(`fetching the Neo4j ${version} jars from Maven Central with Maven into ${libDir} (once)`);
  const args = [
    '-B',
    '-f',
    neo4jPomPath,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${scratch}`,
  ];
  const child = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    tail.splice(0, Math.max(0, tail.length - 15));
  };
  let downloaded = 0;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.includes('Downloaded from') && ++downloaded % 100 === 0) {
      log(`downloaded ${downloaded} files…`);
    }
    remember(line);
  });
  createInterface({ input: child.stderr }).on('line', remember);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('close', resolveExit);
  }).finally(() => clearTimeout(timer));
  if (code !== 0) {
    await rm(scratch, { recursive: true, force: true });
    const errors = tail.filter((l) => l.includes('ERROR'));
    throw new Neo4jStartError(
      `Maven could not fetch the Neo4j ${version} jars (exit ${code}):\n  ` +
        (errors.length ? errors : tail).slice(-8).join('\n  '),
    );
  }
  await writeFile(join(scratch, fetchedMarker), await pomHash());
  // Another process (a second `npm start`, a test run) may have completed the same fetch
  // meanwhile, and may be running from it: keep its copy.
  if (await neo4jJarsInstalled(libDir)) {
    await rm(scratch, { recursive: true, force: true });
  } else {
    await rm(libDir, { recursive: true, force: true });
    await rename(scratch, libDir);
  }
  log(
    downloaded
      ? `Neo4j ${version} jars fetched (${downloaded} files downloaded)`
      : `Neo4j ${version} jars copied from the local Maven repository`,
  );
  return { fetched: true };
}

// ---------------------------------------------------------------------------------------------
// Server

/**
 * Starts Neo4j Community on 127.0.0.1:boltPort with its data under `home`, fetching the jars
 * first when needed, and waits until the driver can verify connectivity. The first start of a
 * fresh data directory also replaces Neo4j's expired default password with ours.
 */
export async function startNeo4j(opts: Neo4jOptions): Promise<RunningNeo4j> {
  await assertPortFree(opts.boltPort, 'Neo4j (Bolt)', opts.portSetting ?? 'AIOPS_NEO4J_BOLT_PORT');
  if (opts.httpPort !== undefined) {
    await assertPortFree(opts.httpPort, 'Neo4j (HTTP)', 'the Neo4j HTTP port');
  }
  const java = await findJava(opts.javaHome);
  if ('error' in java) {
    throw new Neo4jStartError(`Neo4j cannot start: ${java.error}. ${javaAdvice}`);
  }
  const libDir = opts.libDir ?? neo4jLibDir(opts.home);
  await ensureNeo4jJars(libDir, opts.log);
  const version = await pinnedNeo4jVersion();

  const logsDir = join(opts.home, 'logs');
  await mkdir(logsDir, { recursive: true });
  const consoleLog = join(logsDir, 'console.log');
  const output = createWriteStream(consoleLog, { flags: 'a' });
  const bolt = `127.0.0.1:${opts.boltPort}`;
  const settings: Record<string, string> = {
    'server.default_listen_address': '127.0.0.1',
    'server.bolt.listen_address': bolt,
    'server.bolt.advertised_address': bolt,
    'server.http.enabled': String(opts.httpPort !== undefined),
    ...(opts.httpPort !== undefined
      ? { 'server.http.listen_address': `127.0.0.1:${opts.httpPort}` }
      : {}),
    'server.https.enabled': 'false',
    'server.memory.pagecache.size': '64m',
    // No phoning home (there is no network here anyway).
    'dbms.usage_report.enabled': 'false',
    // Transaction logs are otherwise preallocated at 256 MB each: 0.5 GB per fresh data dir.
    'db.tx_log.preallocate': 'false',
    'db.tx_log.rotation.retention_policy': '100M size',
    // Bolt's default Netty shutdown waits 2 × 5 s for nothing; tests and Ctrl-C should not.
    'internal.dbms.bolt.netty_server_shutdown_quiet_period': '0',
    'internal.dbms.bolt.netty_server_shutdown_timeout': '2',
  };
  const args = [
    // A small heap and C1-only JIT: the local graph is small, and on 2 cores this halves the
    // cold start (~12 s instead of ~20 s) at no cost that matters for it.
    '-Xmx512m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:+ExitOnOutOfMemoryError',
    // What Neo4j's own launcher passes: its page cache and Netty reach into NIO internals.
    '--add-opens=java.base/java.nio=ALL-UNNAMED',
    '--add-opens=java.base/java.io=ALL-UNNAMED',
    '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
    '--enable-native-access=ALL-UNNAMED',
    '-Dio.netty.tryReflectionSetAccessible=true',
    '-cp',
    join(libDir, '*'),
    entryPoint,
    `--home-dir=${opts.home}`,
    '--console-mode',
    ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
  ];
  opts.log(`starting Neo4j ${version} with Java ${java.version}; logs in ${logsDir}`);
  const server = spawnServiceProcess(java.path, args, {
    graceMs: 30_000,
    ...(opts.pidFiles && { pidFile: { files: opts.pidFiles, name: 'neo4j' } }),
  });
  const { child } = server;
  // Two sources into one file: neither may end it on its own.
  child.stdout.pipe(output, { end: false });
  child.stderr.pipe(output, { end: false });
  child.once('close', () => output.end());
  const uri = `bolt://${bolt}`;
  try {
    await waitUntilReady(uri, child, consoleLog, opts.readyTimeoutMs ?? 120_000);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    uri,
    user: localNeo4jUser,
    password: localNeo4jPassword,
    version,
    exited: server.exited,
    pid: server.child.pid,
    stop: server.stop,
  };
}

async function waitUntilReady(
  uri: string,
  child: ChildProcess,
  consoleLog: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const driver = neo4j.driver(uri, neo4j.auth.basic(localNeo4jUser, localNeo4jPassword), {
    connectionTimeout: 2_000,
  });
  let lastError = '';
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Neo4jStartError(
          `Neo4j exited (${child.exitCode ?? child.signalCode}) while starting:\n  ` +
            (await tailOf(consoleLog)).join('\n  '),
        );
      }
      try {
        await driver.verifyConnectivity();
        return;
      } catch (err) {
        if (neo4jCode(err) === 'Neo.ClientError.Security.Unauthorized') {
          await setInitialPassword(uri, consoleLog);
          continue;
        }
        lastError = err instanceof Error ? err.message : String(err);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    await driver.close();
  }
  throw new Neo4jStartError(
    `Neo4j at ${uri} was not ready after ${timeoutMs} ms (${lastError}); see ${consoleLog}`,
  );
}

/** A fresh data directory has user neo4j/neo4j with an expired password: it may only change it. */
async function setInitialPassword(uri: string, consoleLog: string): Promise<void> {
  const driver = neo4j.driver(uri, neo4j.auth.basic(localNeo4jUser, 'neo4j'));
  try {
    await driver.executeQuery(
      'ALTER CURRENT USER SET PASSWORD FROM $current TO $password',
      { current: 'neo4j', password: localNeo4jPassword },
      { database: 'system' },
    );
  } catch (err) {
    throw new Neo4jStartError(
      `Neo4j answers, but neither our password nor the initial one is accepted for user ` +
        `${localNeo4jUser} (${firstLine(err)}): its data was made with another password. ` +
        `Remove the data directory next to ${consoleLog} to start afresh.`,
    );
  } finally {
    await driver.close();
  }
}

/** Whether a Neo4j answers at uri with these credentials (for `aiops doctor`). */
export async function probeNeo4j(
  uri: string,
  user: string,
  password: string,
): Promise<{ ok: true; version: string } | { ok: false; error: string }> {
  const driver: Driver = neo4j.driver(uri, neo4j.auth.basic(user, password), {
    connectionTimeout: 3_000,
  });
  try {
    const info = await driver.getServerInfo();
    return { ok: true, version: info.agent ?? 'unknown' };
  } catch (err) {
    return { ok: false, error: firstLine(err) };
  } finally {
    await driver.close();
  }
}

function neo4jCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

function isMissingCommand(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(err)).trim().split('\n')[0] ?? 'unknown error';
}

async function tailOf(file: string, lines = 15): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines);
  } catch {
    return [`(no output in ${file})`];
  }
}
