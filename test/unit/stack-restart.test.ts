import { describe, expect, it } from 'vitest';
import { supervise, type Exiting } from '../../worker/stack/restart';

/** An instance that exits when told to crash, like a killed process. */
function fakeInstance(id: number) {
  let exit!: () => void;
  const exited = new Promise<void>((r) => (exit = r));
  return {
    id,
    exited,
    crash: exit,
    stopped: false,
    stop: async function (this: { stopped: boolean }) {
      this.stopped = true;
      exit();
    },
  };
}

const policy = { initialDelayMs: 20, maxDelayMs: 80, stableMs: 10_000 };
const until = async (check: () => boolean, ms = 3_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('supervise', () => {
  it('restarts a crashed instance with backoff and says so', async () => {
    const lines: string[] = [];
    let started = 0;
    const instances: ReturnType<typeof fakeInstance>[] = [];
    const supervised = await supervise<Exiting & ReturnType<typeof fakeInstance>>({
      name: 'ingest',
      start: async () => {
        const i = fakeInstance(++started);
        instances.push(i);
        return i;
      },
      describeExit: () => 'killed by SIGKILL',
      log: (l) => lines.push(l),
      policy,
    });
    expect(supervised.current().id).toBe(1);
    instances[0]!.crash();
    await until(() => supervised.restarts() === 1);
    expect(supervised.current().id).toBe(2);
    expect(lines[0]).toBe('ingest killed by SIGKILL unexpectedly; restarting in 0.02 s');
    expect(lines[1]).toMatch(/^ingest restarted after \d+\.\d s down$/);
    await supervised.stop();
    expect(instances[1]!.stopped).toBe(true);
    expect(started).toBe(2);
  });

  it('keeps trying while the restart fails, with a growing delay', async () => {
    const lines: string[] = [];
    let attempts = 0;
    let first: ReturnType<typeof fakeInstance> | undefined;
    const supervised = await supervise({
      name: 'PostgreSQL',
      start: async () => {
        attempts++;
        if (attempts === 1) return (first = fakeInstance(1));
        if (attempts < 4) throw new Error('port 55432 is busy');
        return fakeInstance(attempts);
      },
      log: (l) => lines.push(l),
      policy,
    });
    first!.crash();
    await until(() => supervised.restarts() === 1);
    expect(lines).toEqual([
      'PostgreSQL exited unexpectedly; restarting in 0.02 s',
      'PostgreSQL did not restart (port 55432 is busy); trying again in 0.04 s',
      'PostgreSQL did not restart (port 55432 is busy); trying again in 0.08 s',
      expect.stringMatching(/^PostgreSQL restarted after/),
    ]);
    await supervised.stop();
  });

  it('does not restart what it was asked to stop', async () => {
    let started = 0;
    const supervised = await supervise({
      name: 'gateway',
      start: async () => fakeInstance(++started),
      log: () => undefined,
      policy,
    });
    await supervised.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(started).toBe(1);
    expect(supervised.restarts()).toBe(0);
  });
});
