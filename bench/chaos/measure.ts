import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { RunningStack } from '../../worker/stack/supervisor';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Peak resident memory (VmHWM) of a live process, MiB; 0 when gone (or a zombie, which has none). */
export function peakRssMiB(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** The highest peak RSS seen per component of the stack, across its restarts. */
export function peakSampler(stack: RunningStack) {
  const peaks = new Map<string, number>();
  return {
    peaks,
    sample() {
      for (const c of stack.components) {
        peaks.set(c.name, Math.max(peaks.get(c.name) ?? 0, peakRssMiB(c.pid())));
      }
    },
  };
}

export async function waitFor(check: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not back within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** Kills a component of the stack (SIGKILL) and resolves with the seconds until it is back. */
export async function killAndTime(stack: RunningStack, name: string): Promise<number> {
  const component = stack.components.find((c) => c.name === name);
  if (!component) throw new Error(`no component ${name} in the stack`);
  const before = component.restarts();
  const killedAt = Date.now();
  process.kill(component.pid()!, 'SIGKILL');
  console.log(`killed ${name} (pid ${component.pid()})`);
  await waitFor(() => component.restarts() > before, 180_000);
  return (Date.now() - killedAt) / 1000;
}

export function printPeaks(peaks: Map<string, number>) {
  console.log('\n| process | peak RSS |');
  console.log('|---|---|');
  for (const [name, mib] of peaks) console.log(`| ${name} | ${mib.toFixed(0)} MiB |`);
}

/**
 * The stack as `npm start` runs it: built (`npm run build`: compiled code, the workflows
 * bundled once), its role processes running the compiled CLI.
 */
export async function compiledStack(): Promise<typeof import('../../worker/stack/supervisor')> {
  console.log('building (npm run build)…');
  await run('npm', ['run', 'build'], { cwd: root, maxBuffer: 64 * 2 ** 20 });
  return (await import(
    resolve(root, 'dist', 'worker', 'stack', 'supervisor.js')
  )) as typeof import('../../worker/stack/supervisor');
}

/**
 * A fresh AIOPS_HOME for a benchmark's stack, with the project's Temporal CLI and Neo4j jars
 * copied in instead of fetched again. As root, PostgreSQL runs as the `postgres` user, which
 * must reach its data.
 */
export async function benchHome(name: string): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), `aiops-${name}-`));
  await chmod(home, 0o755);
  await cp(join(root, '.aiops', 'tools'), join(home, 'tools'), { recursive: true });
  await cp(join(root, '.aiops', 'neo4j', 'lib'), join(home, 'neo4j', 'lib'), { recursive: true });
  return home;
}
