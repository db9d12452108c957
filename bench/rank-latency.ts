/**
 * bench:rank-latency — where an investigation's time goes on recorded telemetry. Replays the
 * Nezha faults of some days (bench/nezha, real OTLP/HTTP receiver) into an embedded PostgreSQL
 * kept in `--dir` (a later run reuses it and skips the replay), then ranks every fault window
 * `--repeat` times: once per repeat through `rankWindow` end to end (the code of the incident
 * workflow and of `aiops investigate`), and once phase by phase, one after another, so each
 * phase's wall time, this process's CPU time and PostgreSQL's CPU time are its own.
 *
 *   npm run bench:rank-latency -- --days 2023-01-29,2023-01-30 [--dir /tmp/aiops-rank-latency]
 *     [--repeat 3] [--out rankings.json] [--compare earlier-rankings.json]
 *
 * `--out` writes every window's candidates and scores (ensemble and members, as ranked phase by
 * phase with the log history read in full); `--compare` checks them against an earlier run's
 * file, so a speed change is seen to change no ranking.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  assertEvidenceFits,
  fuseWithCluster,
  logHistoryWindow,
  rankWindow,
  windowBounds,
  windowEvidence,
} from '../activities/investigation';
import { callPatterns, withCallPatterns } from '../activities/rca/call-patterns';
import type { RootCauseCandidate } from '../activities/rca/candidate';
import { fuse } from '../activities/rca/ensemble';
import { memberMethods, type MemberRankings } from '../activities/rca/features';
import { gnn, rankWithGnn, trainedWeights } from '../activities/rca/gnn';
import { logEvidence } from '../activities/rca/logs';
import type { Pool } from '../store/db';
import { historyLogGroups, loadWindowTelemetry } from '../store/investigation-telemetry';
import { operationLatencyLevels } from '../store/latency-history';
import { faultSlots, nezhaFaults, replayFaults } from './nezha/bench';
import { defaultNezhaRoot, type NezhaFault } from './nezha/dataset';
import { withDatabaseIn } from './scratch-database';

interface Window {
  fault: NezhaFault;
  start: Date;
  end: Date;
  baselineMs: number;
}

/** One measurement: wall ms, this process's CPU ms, PostgreSQL's CPU ms. */
interface Cost {
  wall: number;
  cpu: number;
  pg: number;
}

const clockTicksPerSecond = 100;

/** CPU ms of the postmaster's processes so far (backends, and the background workers, idle here). */
function postgresCpuMs(postmaster: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // After the command's closing parenthesis: state, ppid, …, utime (14th field), stime (15th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(entry) !== postmaster && Number(fields[1]) !== postmaster) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / clockTicksPerSecond;
}

function meter(postmaster: number) {
  return async <T>(work: () => T | Promise<T>): Promise<{ value: T; cost: Cost }> => {
    const pg0 = postgresCpuMs(postmaster);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const value = await work();
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return {
      value,
      cost: { wall, cpu: (cpu.user + cpu.system) / 1000, pg: postgresCpuMs(postmaster) - pg0 },
    };
  };
}

/** Every phase of `rankWindow`, one after another (it reads rows and history in parallel). */
async function rankByPhase(pool: Pool, w: Window, measure: ReturnType<typeof meter>) {
  const costs: Record<string, Cost> = {};
  const timed = async <T>(phase: string, work: () => T | Promise<T>): Promise<T> => {
    const { value, cost } = await measure(work);
    costs[phase] = cost;
    return value;
  };
  const bounds = await timed('bounds (incident periods)', () =>
    windowBounds(pool, { faultStart: w.start, baselineMs: w.baselineMs }),
  );
  const telemetry = await timed('rows', () =>
    loadWindowTelemetry(pool, { from: new Date(bounds.baselineStart), to: w.end }),
  );
  // Their own costs, past the 3 s budget rankWindow gives each (there they would be left out).
  const history = await timed('log history', () =>
    historyLogGroups(pool, logHistoryWindow(bounds.baselineStart), { budgetMs: 600_000 }),
  );
  const latencyLevels = await timed('latency history', () =>
    operationLatencyLevels(pool, logHistoryWindow(bounds.baselineStart), { budgetMs: 600_000 }),
  );
  const evidence = await timed('evidence', () => {
    assertEvidenceFits(telemetry, w.end.getTime() - bounds.baselineStart);
    return windowEvidence(telemetry, { logGroups: history, latencyLevels }, bounds, w.end);
  });
  const members: MemberRankings = {};
  for (const method of memberMethods)
    members[method.name] = await timed(`method ${method.name}`, () => method.rank(evidence));
  members[gnn.name] = await timed(`method ${gnn.name}`, () =>
    rankWithGnn(trainedWeights(), evidence, members),
  );
  members[logEvidence.name] = await timed('method call-patterns', () =>
    withCallPatterns(members[logEvidence.name] ?? [], callPatterns.rank(evidence)),
  );
  await timed('fusion', () => fuse(members));
  const ranking = await timed('outside signals + fusion', () =>
    fuseWithCluster(pool, undefined, members, {
      faultStart: new Date(bounds.faultStart),
      end: w.end,
    }),
  );
  return { costs, ranking, members, spans: telemetry.spans.length, logs: telemetry.logs.length };
}

type Ranked = Record<string, { service: string; score: number }[]>;

function scored(ranking: readonly RootCauseCandidate[]) {
  return ranking.map((c) => ({ service: c.service, score: c.score }));
}

function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

function summary(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  const f = (v: number) => v.toFixed(0);
  return `${f(quantile(s, 0.5))} / ${f(quantile(s, 0.95))} / ${f(s[s.length - 1] ?? NaN)}`;
}

function parseArgs(argv: readonly string[]) {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const days = value('--days')?.split(',');
  const repeat = Number(value('--repeat') ?? 3);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat takes a whole number ≥ 1');
  return {
    days,
    dir: value('--dir') ?? '/tmp/aiops-rank-latency',
    repeat,
    out: value('--out'),
    compare: value('--compare'),
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(line + '\n');
  const manifest = join(args.dir, 'windows.json');
  const faults = nezhaFaults().filter((f) => !args.days || args.days.includes(f.day));
  if (!faults.length) {
    console.log(`rank-latency skipped: no Nezha faults under ${defaultNezhaRoot}`);
    return;
  }
  const { injectAt, partitions } = faultSlots(faults.length);
  await withDatabaseIn(join(args.dir, 'pg'), partitions, async (pool, { fresh, postgres }) => {
    let windows: Window[];
    if (fresh) {
      const replays = await replayFaults(pool, faults, { injectAt, root: defaultNezhaRoot, log });
      windows = replays.map((r) => ({
        fault: r.fault,
        start: r.window.start,
        end: r.window.end,
        baselineMs: r.baselineMinutes * 60_000,
      }));
      writeFileSync(manifest, JSON.stringify(windows));
    } else {
      log(`reusing the replay in ${args.dir}`);
      windows = (JSON.parse(readFileSync(manifest, 'utf8')) as Window[]).map((w) => ({
        ...w,
        start: new Date(w.start),
        end: new Date(w.end),
      }));
    }
    const measure = meter(postgres.pid ?? -1);
    const endToEnd: Cost[] = [];
    const phases = new Map<string, Cost[]>();
    const ranked: Record<string, Ranked> = {};
    const loads: number[] = [];
    let mismatches = 0;
    const leftOut = new Map<string, number>(); // rankWindow's notes: what it ranked without
    for (let r = 0; r < args.repeat; r++) {
      for (const [i, w] of windows.entries()) {
        const key = `${new Date(w.fault.injectTime).toISOString()} ${w.fault.service} ${w.fault.type}`;
        loads.push(loadavg()[0] ?? NaN);
        const whole = await measure(() =>
          rankWindow(pool, { faultStart: w.start, end: w.end, baselineMs: w.baselineMs }),
        );
        endToEnd.push(whole.cost);
        for (const note of whole.value.notes) leftOut.set(note, (leftOut.get(note) ?? 0) + 1);
        const byPhase = await rankByPhase(pool, w, measure);
        for (const [phase, cost] of Object.entries(byPhase.costs))
          phases.set(phase, [...(phases.get(phase) ?? []), cost]);
        // Compared across runs: the phase-by-phase result, whose history had no time budget
        // (rankWindow's leaves the history out past 3 s, which depends on the machine's load).
        const result: Ranked = { ensemble: scored(byPhase.ranking) };
        for (const [name, list] of Object.entries(byPhase.members)) result[name] = scored(list);
        if (JSON.stringify(scored(whole.value.ranking)) !== JSON.stringify(result.ensemble))
          mismatches++;
        ranked[key] = result;
        log(
          `repeat ${r + 1}/${args.repeat} window ${i + 1}/${windows.length} ${w.fault.system} ${w.fault.service}: ${whole.cost.wall.toFixed(0)} ms (${byPhase.spans} spans, ${byPhase.logs} logs), load ${loads[loads.length - 1]?.toFixed(1)}`,
        );
      }
    }
    const lines = [
      `rankWindow over ${windows.length} windows × ${args.repeat} (${args.days?.join(', ') ?? 'every day'}), 1-minute load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
      '',
      '| phase | wall ms median / p95 / max | process CPU ms median / p95 / max | PostgreSQL CPU ms median / p95 / max |',
      '|---|---|---|---|',
      ...[['rankWindow end to end', endToEnd] as const, ...phases].map(
        ([phase, costs]) =>
          `| ${phase} | ${summary(costs.map((c) => c.wall))} | ${summary(costs.map((c) => c.cpu))} | ${summary(costs.map((c) => c.pg))} |`,
      ),
    ];
    console.log(lines.join('\n'));
    if (mismatches)
      console.log(
        `\n${mismatches} rankWindow rankings differ from the phase-by-phase ones (a history past its budget?)`,
      );
    for (const [note, count] of leftOut)
      console.log(`rankWindow, ${count} of ${endToEnd.length} runs: ${note}`);
    if (args.out) writeFileSync(args.out, JSON.stringify(ranked, null, 1));
    if (args.compare) {
      const earlier = JSON.parse(readFileSync(args.compare, 'utf8')) as Record<string, Ranked>;
      const keys = Object.keys(ranked);
      const differ = keys.filter((k) => JSON.stringify(earlier[k]) !== JSON.stringify(ranked[k]));
      console.log(
        `\nagainst ${args.compare}: ${keys.length - differ.length} of ${keys.length} windows rank identically (candidates and scores, ensemble and members)`,
      );
      for (const k of differ) console.log(`  differs: ${k}`);
    }
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
