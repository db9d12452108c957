import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPidFiles, processIdentity } from '../../worker/stack/pid-files';
import { spawnServiceProcess } from '../../worker/stack/service-process';

const alive = (pid: number) => processIdentity(pid) !== undefined;

describe('pid files of the local stack', () => {
  let dir: string;
  const cleanups: (() => void)[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aiops-pids-'));
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0)) c();
    await rm(dir, { recursive: true, force: true });
  });

  it('records a server while it runs and forgets it when it exits', async () => {
    const files = createPidFiles(dir);
    const server = spawnServiceProcess('sleep', ['30'], {
      graceMs: 1_000,
      pidFile: { files, name: 'sleeper' },
    });
    expect(await readdir(dir)).toEqual(['sleeper.pid']);
    await server.stop();
    expect(await readdir(dir)).toEqual([]);
  });

  it('stops a process an earlier (crashed) run left behind', async () => {
    // The earlier run: a server recorded, then the supervisor gone without stopping it.
    const server = spawnServiceProcess('sleep', ['30'], {
      graceMs: 1_000,
      pidFile: { files: createPidFiles(dir), name: 'leftover' },
    });
    const pid = server.child.pid!;
    cleanups.push(() => server.child.kill('SIGKILL'));
    expect(alive(pid)).toBe(true);

    const leftovers = await createPidFiles(dir).clearLeftovers(2_000);
    expect(leftovers.map((l) => [l.record.name, l.outcome])).toEqual([['leftover', 'stopped']]);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(dir, 'leftover.pid'))).toBe(false);
  });

  it('never signals a process it did not start, even one holding a recorded pid', async () => {
    // Another program now runs under the recorded pid: same pid, another start time.
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    cleanups.push(() => stranger.kill('SIGKILL'));
    const pid = stranger.pid!;
    const real = processIdentity(pid)!;
    await writeFile(
      join(dir, 'postgres.pid'),
      JSON.stringify({
        name: 'postgres',
        pid,
        stopSignal: 'SIGTERM',
        startTime: String(Number(real.startTime) - 100),
        command: real.command,
      }),
    );
    // And a record of the same start time but another command line.
    await writeFile(
      join(dir, 'temporal.pid'),
      JSON.stringify({
        name: 'temporal',
        pid,
        stopSignal: 'SIGTERM',
        ...real,
        command: ['temporal'],
      }),
    );
    const leftovers = await createPidFiles(dir).clearLeftovers(1_000);
    expect(leftovers.map((l) => l.outcome)).toEqual(['not ours', 'not ours']);
    expect(alive(pid)).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it('clears the file of a process that already exited, and ignores unreadable files', async () => {
    const gone = spawn('true');
    await new Promise((r) => gone.once('exit', r));
    await writeFile(
      join(dir, 'neo4j.pid'),
      JSON.stringify({
        name: 'neo4j',
        pid: gone.pid,
        stopSignal: 'SIGTERM',
        startTime: '1',
        command: ['true'],
      }),
    );
    await writeFile(join(dir, 'garbled.pid'), 'not json');
    const leftovers = await createPidFiles(dir).clearLeftovers(1_000);
    expect(leftovers.map((l) => l.outcome)).toEqual(['gone']);
    expect(await readdir(dir)).toEqual([]);
  });
});
