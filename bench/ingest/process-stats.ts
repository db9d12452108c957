import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** utime + stime (+ cutime + cstime) of /proc/<pid>/stat, in clock ticks (1/100 s). */
async function ticks(pid: number | string, withChildren = false): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const f = stat.split(') ')[1]?.split(' ');
  if (!f) return 0;
  const own = Number(f[11]) + Number(f[12]);
  return withChildren ? own + Number(f[13]) + Number(f[14]) : own;
}

/** Peak RSS (VmHWM) and CPU seconds of a process. */
export async function processStats(
  pid: number,
): Promise<{ peakRssMb: number; cpuSeconds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return { peakRssMb: hwm / 1024, cpuSeconds: (await ticks(pid)) / 100 };
}

/**
 * CPU seconds of a PostgreSQL server: the postmaster, its live backends and workers, and (the
 * postmaster's cutime/cstime) the backends that already exited.
 */
export async function postgresCpuSeconds(dataDir: string): Promise<number> {
  const postmaster = Number(
    (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
  );
  let total = await ticks(postmaster, true);
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (Number(stat.split(') ')[1]?.split(' ')[1]) === postmaster) total += await ticks(entry);
  }
  return total / 100;
}

/** Busy and total CPU time of the whole machine, from /proc/stat. */
export async function machineCpu(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
