import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import type { PidFiles } from './pid-files';
import { freePort } from './ports';
import { spawnServiceProcess } from './service-process';

/**
 * The CLI a role process runs: the compiled one beside this file, or (run from source, as the
 * benchmarks are) the TypeScript one through tsx.
 */
function cliCommand(): string[] {
  const cli = resolve(__dirname, '..', `cli${extname(__filename)}`);
  return extname(__filename) === '.ts' ? ['--import', 'tsx', cli] : [cli];
}

export interface RoleProcessOptions {
  /** Its name in the stack's output and pid files, e.g. `worker-incident`. */
  name: string;
  /** The CLI's arguments, e.g. `['worker', '--queues', 'incident']`. */
  args: string[];
  /** Settings added to the supervisor's environment (where PostgreSQL, Temporal, Neo4j are). */
  env: Record<string, string>;
  /** Its output (JSON log lines) is appended here. */
  logFile: string;
  pidFiles?: PidFiles;
  readyTimeoutMs?: number;
}

export interface RunningRoleProcess {
  name: string;
  pid: number;
  healthPort: number;
  exited: Promise<void>;
  /** `exited with code 1`, `killed by SIGKILL`. */
  exitDescription(): string;
  stop(): Promise<void>;
}

/**
 * Runs one production role (`aiops ingest`, `aiops worker --queues …`, `aiops gateway`) as a
 * process of its own, so that one exhausting its memory or crashing takes nothing else with it,
 * and resolves once its `/healthz` answers (the role has started).
 */
export async function startRoleProcess(opts: RoleProcessOptions): Promise<RunningRoleProcess> {
  const healthPort = await freePort();
  await mkdir(dirname(opts.logFile), { recursive: true });
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const server = spawnServiceProcess(process.execPath, [...cliCommand(), ...opts.args], {
    env: {
      ...process.env,
      ...opts.env,
      AIOPS_HEALTH_HOST: '127.0.0.1',
      AIOPS_HEALTH_PORT: String(healthPort),
    },
    // Workers finish their running activities first (Temporal's own shutdown grace).
    graceMs: 40_000,
    ...(opts.pidFiles && { pidFile: { files: opts.pidFiles, name: opts.name } }),
  });
  const { child } = server;
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.once('close', () => log.end());
  const exitDescription = () =>
    child.signalCode ? `killed by ${child.signalCode}` : `exited with code ${child.exitCode}`;
  try {
    await waitForHealth(healthPort, server.exited, opts.readyTimeoutMs ?? 120_000);
  } catch (err) {
    await server.stop();
    const tail = (await readFile(opts.logFile, 'utf8').catch(() => ''))
      .trimEnd()
      .split('\n')
      .slice(-20);
    throw new Error(
      `${opts.name} did not start (${err instanceof Error ? err.message : String(err)}; ${exitDescription()}); ` +
        `its log ${opts.logFile} ends:\n  ${tail.join('\n  ')}`,
    );
  }
  return {
    name: opts.name,
    pid: child.pid ?? 0,
    healthPort,
    exited: server.exited,
    exitDescription,
    stop: server.stop,
  };
}

async function waitForHealth(port: number, exited: Promise<void>, timeoutMs: number) {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error('the process exited while starting');
    const answered = await fetch(`http://127.0.0.1:${port}/healthz`, {
      signal: AbortSignal.timeout(2_000),
    }).then(
      (res) => res.ok,
      () => false,
    );
    if (answered) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no answer on /healthz within ${timeoutMs / 1000} s`);
}
