import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { processIdentity, type PidRecord } from '../../worker/stack/pid-files';
import { freeFixedPorts } from '../../worker/stack/ports';
import { findTemporalCli } from '../../worker/stack/temporal-cli';
import { assertBuilt, compiledCli } from './role-process';

/** `aiops up` as a user runs it: its own process, its output read as it comes. */
function up(env: Record<string, string>) {
  const child = spawn(process.execPath, [compiledCli, 'up', '--no-demo'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const waitFor = (pattern: RegExp, timeoutMs = 240_000) =>
    new Promise<string>((done, fail) => {
      const deadline = Date.now() + timeoutMs;
      const poll = setInterval(() => {
        const match = pattern.exec(out);
        if (match) {
          clearInterval(poll);
          done(match[0]);
        } else if (Date.now() > deadline || child.exitCode !== null) {
          clearInterval(poll);
          fail(new Error(`no ${pattern} in the output of aiops up:\n${out}`));
        }
      }, 200);
    });
  return { child, exited, waitFor, output: () => out };
}

const alive = (r: PidRecord) => {
  const now = processIdentity(r.pid);
  return now !== undefined && now.startTime === r.startTime;
};

/**
 * The local stack's supervision, end to end on the compiled CLI: role processes and servers
 * restarted when killed, and a second start after a crash (SIGKILL of `aiops up`) stopping what
 * the first left running instead of failing on its ports.
 */
describe('aiops up supervises its processes', { timeout: 900_000 }, () => {
  let home: string;
  let env: Record<string, string>;
  const started: ChildProcess[] = [];
  const records = () =>
    Object.fromEntries(
      readdirSync(join(home, 'run'))
        .filter((n) => n.endsWith('.pid'))
        .map((n) => {
          const r = JSON.parse(readFileSync(join(home, 'run', n), 'utf8')) as PidRecord;
          return [r.name, r];
        }),
    );

  beforeAll(async () => {
    assertBuilt();
    home = await mkdtemp(join(tmpdir(), 'aiops-up-'));
    // As root, PostgreSQL runs as the `postgres` user, which must reach its data.
    await chmod(home, 0o755);
    const cli = findTemporalCli(
      join(process.cwd(), '.aiops', 'tools'),
      process.env.TEMPORAL_CLI_PATH,
    );
    const graph = inject('neo4j');
    const [pg, temporal, temporalUi, otlpGrpc, otlpHttp, gateway] = (await freeFixedPorts(6)).map(
      String,
    );
    env = {
      AIOPS_HOME: home,
      ...(cli && { TEMPORAL_CLI_PATH: cli.path }),
      AIOPS_PG_PORT: pg!,
      AIOPS_TEMPORAL_PORT: temporal!,
      AIOPS_TEMPORAL_UI_PORT: temporalUi!,
      AIOPS_OTLP_GRPC_PORT: otlpGrpc!,
      AIOPS_OTLP_HTTP_PORT: otlpHttp!,
      AIOPS_GATEWAY_PORT: gateway!,
      // The test run's Neo4j: this test is about the processes `aiops up` starts itself.
      ...('uri' in graph
        ? { NEO4J_URI: graph.uri, NEO4J_USER: graph.user, NEO4J_PASSWORD: graph.password }
        : { NEO4J_URI: 'bolt://127.0.0.1:1' }),
    };
  });

  afterAll(async () => {
    for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
    // Whatever a failed assertion left running: only the processes recorded by this stack.
    for (const r of Object.values(records())) if (alive(r)) process.kill(r.pid, 'SIGKILL');
    await rm(home, { recursive: true, force: true });
  });

  it('restarts what dies, and the next start stops what a crashed run left', async () => {
    const first = up(env);
    started.push(first.child);
    await first.waitFor(/The engine is running/);
    const before = records();
    expect(Object.keys(before).sort()).toEqual([
      'gateway',
      'ingest',
      'postgres',
      'temporal',
      'worker-detection',
      'worker-housekeeping',
      'worker-incident',
      'worker-remediation',
    ]);

    // A role process dies (as an out-of-memory kill would): only it is restarted.
    process.kill(before['worker-incident']!.pid, 'SIGKILL');
    await first.waitFor(/worker-incident killed by SIGKILL unexpectedly; restarting in 1 s/);
    await first.waitFor(/worker-incident restarted after [\d.]+ s down/);
    expect(alive(before.ingest!)).toBe(true);

    // PostgreSQL dies: restarted on its port and data.
    process.kill(before.postgres!.pid, 'SIGKILL');
    await first.waitFor(/PostgreSQL restarted after [\d.]+ s down/, 120_000);

    // The supervisor itself is killed: nothing can stop its servers and roles now.
    const leftBehind = records();
    first.child.kill('SIGKILL');
    await first.exited;
    expect(Object.values(leftBehind).filter(alive).length).toBe(8);

    const second = up(env);
    started.push(second.child);
    await second.waitFor(/The engine is running/);
    expect(second.output()).toContain(
      `stopped postgres (pid ${leftBehind.postgres!.pid}), left running by an earlier run`,
    );
    expect(Object.values(leftBehind).filter(alive)).toEqual([]);

    // A second `aiops up` on the same home while this one runs is refused, not let loose.
    const third = up(env);
    started.push(third.child);
    expect(await third.exited).toBe(1);
    expect(third.output()).toMatch(/another `aiops up` \(pid \d+\) runs the stack of/);
    const now = records();
    expect(Object.values(now).filter(alive).length).toBe(8);

    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(Object.values(now).filter(alive)).toEqual([]);
  });
});
