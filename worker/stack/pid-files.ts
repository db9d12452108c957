import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What identifies a process beyond its pid, which the kernel reuses: when it started (clock
 * ticks since boot) and its command line. Read from /proc; undefined when the pid is gone (or
 * there is no /proc to ask, in which case nothing is ever taken for ours).
 */
export interface ProcessIdentity {
  startTime: string;
  command: string[];
}

export function processIdentity(pid: number): ProcessIdentity | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has exited; only its parent's wait() is missing.
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    const startTime = fields[19];
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return startTime === undefined ? undefined : { startTime, command };
  } catch {
    return undefined;
  }
}

/** Another live supervisor runs the stack of this home. */
export class StackInUseError extends Error {}

/** One process the local stack started, as written to `<dir>/<name>.pid` (JSON). */
export interface PidRecord extends ProcessIdentity {
  name: string;
  pid: number;
  /** What asks it to stop cleanly (PostgreSQL: SIGINT). */
  stopSignal: NodeJS.Signals;
}

/** What became of one pid file found at start-up. */
export interface Leftover {
  record: PidRecord;
  outcome: 'stopped' | 'gone' | 'not ours';
}

function sameProcess(a: ProcessIdentity, b: ProcessIdentity): boolean {
  return a.startTime === b.startTime && a.command.join('\0') === b.command.join('\0');
}

export interface PidFiles {
  dir: string;
  /** Records a process right after it is spawned (synchronously: a crash a moment later must not lose it). */
  record(name: string, pid: number, stopSignal: NodeJS.Signals): void;
  /** Forgets a process that exited or was stopped, if the file still names it. */
  forget(name: string, pid: number): void;
  /**
   * Records this process as the one supervisor of the stack (`supervisor.lock`, which
   * clearLeftovers never touches), unless a live supervisor holds it: then that one's record.
   */
  claimSupervisor(): PidRecord | undefined;
  /**
   * Stops the processes a crashed run of the stack left behind: each pid file whose process
   * still runs with the recorded start time and command line is signalled (then killed after
   * `graceMs`); a pid now held by another process is left alone. Every file is removed.
   */
  clearLeftovers(graceMs?: number): Promise<Leftover[]>;
}

export function createPidFiles(dir: string): PidFiles {
  const file = (name: string) => join(dir, `${name}.pid`);
  return {
    dir,
    record(name, pid, stopSignal) {
      const identity = processIdentity(pid);
      if (!identity) return; // already gone, or no /proc: nothing could be matched later
      mkdirSync(dir, { recursive: true });
      const record: PidRecord = { name, pid, stopSignal, ...identity };
      writeFileSync(file(name), JSON.stringify(record));
    },
    forget(name, pid) {
      const path = file(name);
      try {
        if ((JSON.parse(readFileSync(path, 'utf8')) as PidRecord).pid === pid) rmSync(path);
      } catch {
        // no file, or one we cannot read: nothing of ours to forget
      }
    },
    claimSupervisor() {
      const lock = join(dir, 'supervisor.lock');
      const held = existsSync(lock) ? parseRecord(readFileSync(lock, 'utf8')) : undefined;
      const holder = held && processIdentity(held.pid);
      if (held && holder && held.pid !== process.pid && sameProcess(holder, held)) return held;
      mkdirSync(dir, { recursive: true });
      const self = processIdentity(process.pid);
      if (self) {
        const record: PidRecord = {
          name: 'supervisor',
          pid: process.pid,
          stopSignal: 'SIGTERM',
          ...self,
        };
        writeFileSync(lock, JSON.stringify(record));
        process.once('exit', () => rmSync(lock, { force: true }));
      }
      return undefined;
    },
    async clearLeftovers(graceMs = 30_000) {
      if (!existsSync(dir)) return [];
      const names = (await readdir(dir)).filter((n) => n.endsWith('.pid'));
      const records = (await Promise.all(names.map((n) => readRecord(join(dir, n))))).filter(
        (r): r is PidRecord => r !== undefined,
      );
      const leftovers = await Promise.all(records.map((r) => stopIfOurs(r, graceMs)));
      for (const { record } of leftovers) this.forget(record.name, record.pid);
      await Promise.all(
        names
          .filter((n) => !records.some((r) => `${r.name}.pid` === n))
          .map((n) => rm(join(dir, n), { force: true })),
      );
      return leftovers;
    },
  };
}

async function readRecord(path: string): Promise<PidRecord | undefined> {
  return parseRecord(await readFile(path, 'utf8').catch(() => ''));
}

function parseRecord(text: string): PidRecord | undefined {
  try {
    const record = JSON.parse(text) as PidRecord;
    return Number.isInteger(record.pid) && record.pid > 0 && Array.isArray(record.command)
      ? record
      : undefined;
  } catch {
    return undefined;
  }
}

async function stopIfOurs(record: PidRecord, graceMs: number): Promise<Leftover> {
  const now = processIdentity(record.pid);
  if (!now) return { record, outcome: 'gone' };
  if (!sameProcess(now, record)) return { record, outcome: 'not ours' };
  const stillOurs = () => {
    const current = processIdentity(record.pid);
    return current !== undefined && sameProcess(current, record);
  };
  process.kill(record.pid, record.stopSignal);
  const deadline = Date.now() + graceMs;
  while (stillOurs() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (stillOurs()) process.kill(record.pid, 'SIGKILL');
  while (stillOurs()) await new Promise((r) => setTimeout(r, 50));
  return { record, outcome: 'stopped' };
}

/** One line per leftover, for the start-up output. */
export function describeLeftover({ record, outcome }: Leftover): string {
  const what = `${record.name} (pid ${record.pid})`;
  switch (outcome) {
    case 'stopped':
      return `stopped ${what}, left running by an earlier run that did not shut down`;
    case 'gone':
      return `${what} of an earlier run had already exited`;
    case 'not ours':
      return `pid ${record.pid} of an earlier run's ${record.name} now belongs to another process: left alone`;
  }
}
