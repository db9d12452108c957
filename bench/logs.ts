/**
 * Log template mining benchmark on Loghub-2k (corrected ground truth). Headline: grouping
 * accuracy and FGA left one system out (every miner setting chosen on the other systems, the
 * left-out one scored), beside the in-sample score of the engine's defaults; throughput; and
 * Drain3 with its default settings on the same lines in the same run.
 * Run: npm run bench:logs
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { mineLogLines } from '../worker/commands/logs';
import { LogTemplateMiner } from '../detectors/logs/miner';
import { groupingAccuracy, type GroupingScore } from '../detectors/logs/grouping-accuracy';
import { defaultMinerOptions, type MinerOptions } from '../detectors/logs/options';
import { chooseOptions, describeOptions, leaveOneOutOptions, singleChanges } from './logs-settings';
import { machineDescription, writeBenchmarkSection } from './report';
import { median } from '../activities/rca/stats';

export const loghubSystems = [
  'HDFS',
  'Hadoop',
  'Spark',
  'Zookeeper',
  'BGL',
  'HPC',
  'Thunderbird',
  'OpenStack',
] as const;

const dataDir = resolve(__dirname, '..', '..', 'shared', 'data', 'loghub-2k');
const pyenv = resolve(__dirname, '..', '.aiops', 'pyenv');
const drain3Runner = resolve(__dirname, 'drain3_runner.py');
const drain3Mine = resolve(__dirname, 'drain3_mine.py');
const timingRuns = 5;
const cli = resolve(__dirname, '..', 'bin', 'aiops.js');
/** Runs of the whole CLI process, which start-up makes slow. */
const cliRuns = 5;
const minRunSeconds = 0.25;

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface LabelledLogs {
  contents: string[];
  eventIds: string[];
}

/** The Content and EventId columns of one Loghub-2k system. */
export function readLoghub(system: string): LabelledLogs {
  const file = resolve(dataDir, system, `${system}_2k.log_structured_corrected.csv`);
  const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
  const content = header?.indexOf('Content') ?? -1;
  const eventId = header?.indexOf('EventId') ?? -1;
  if (content < 0 || eventId < 0) throw new Error(`${file}: no Content/EventId columns`);
  return {
    contents: rows.map((r) => r[content] ?? ''),
    eventIds: rows.map((r) => r[eventId] ?? ''),
  };
}

/** Each line's final template id: the template it joined, followed through later merges. */
export function mineGroups(
  lines: readonly string[],
  options: Partial<MinerOptions> = {},
): string[] {
  const miner = new LogTemplateMiner(options);
  const ids = lines.map((line) => miner.add(line).templateId);
  return ids.map((id) => miner.resolveId(id) ?? id);
}

/** A miner's group label for each line, and its throughput. */
interface Measured {
  groups: string[];
  linesPerSecond: number;
}

/**
 * Lines per CPU second: each of the timed runs repeats mining all lines with a fresh miner
 * until it has used `minRunSeconds` of CPU; the median run counts. CPU time rather than wall
 * time so that other processes on a shared machine distort the ratio to Drain3 less.
 */
function measureOurs(lines: readonly string[]): Measured {
  const groups = mineGroups(lines);
  const rates: number[] = [];
  for (let run = 0; run < timingRuns; run++) {
    const started = process.cpuUsage();
    let seconds = 0;
    let mined = 0;
    while (seconds < minRunSeconds) {
      mineGroups(lines);
      mined += lines.length;
      const used = process.cpuUsage(started);
      seconds = (used.user + used.system) / 1e6;
    }
    rates.push(mined / seconds);
  }
  return { groups, linesPerSecond: median(rates) };
}

function ensureDrain3(): void {
  const probe = spawnSync('python3', ['-c', 'import drain3'], {
    env: { ...process.env, PYTHONPATH: pyenv },
  });
  if (probe.status === 0) return;
  process.stderr.write(`installing drain3 into ${pyenv}\n`);
  execFileSync('python3', ['-m', 'pip', 'install', '--quiet', '--target', pyenv, 'drain3'], {
    stdio: 'inherit',
  });
}

/** Drain3 with TemplateMiner() defaults, fed the same lines (one JSON array on stdin). */
function measureDrain3(lines: readonly string[]): Measured {
  const out = execFileSync('python3', [drain3Runner, String(timingRuns), String(minRunSeconds)], {
    input: JSON.stringify(lines),
    env: { ...process.env, PYTHONPATH: pyenv },
    maxBuffer: 256 * 1024 * 1024,
  });
  const parsed = JSON.parse(out.toString('utf8')) as { groups: number[]; linesPerSecond: number };
  return { groups: parsed.groups.map(String), linesPerSecond: parsed.linesPerSecond };
}

interface Dataset extends LabelledLogs {
  name: string;
}

/** One system's row: our miner left out of the choice, in-sample, and Drain3. */
interface Result {
  name: string;
  /** Undefined for the one stream of all systems: no system is left out of it. */
  leftOut: GroupingScore | undefined;
  /** The settings chosen without this system. */
  chosen: MinerOptions;
  inSample: GroupingScore;
  drain3: GroupingScore;
  linesPerSecond: number;
  drain3LinesPerSecond: number;
}

/** All systems interleaved by position into one stream, as one miner would see a fleet. */
function mixedStream(datasets: readonly Dataset[]): Dataset {
  const contents: string[] = [];
  const eventIds: string[] = [];
  const longest = Math.max(...datasets.map((d) => d.contents.length));
  for (let i = 0; i < longest; i++) {
    for (const d of datasets) {
      const content = d.contents[i];
      if (content === undefined) continue;
      contents.push(content);
      eventIds.push(`${d.name}/${d.eventIds[i] ?? ''}`);
    }
  }
  return { name: `all ${datasets.length}, one stream`, contents, eventIds };
}

const f3 = (x: number) => x.toFixed(3);
const rate = (x: number) => Math.round(x).toLocaleString('en-US');

function row(r: Result, bold = false): string {
  const b = (text: string) => (bold ? `**${text}**` : text);
  const cells = [
    b(r.name),
    b(r.leftOut ? f3(r.leftOut.ga) : '—'),
    f3(r.inSample.ga),
    f3(r.drain3.ga),
    b(r.leftOut ? f3(r.leftOut.fga) : '—'),
    f3(r.inSample.fga),
    f3(r.drain3.fga),
    rate(r.linesPerSecond),
    rate(r.drain3LinesPerSecond),
    `${(r.linesPerSecond / r.drain3LinesPerSecond).toFixed(2)}×`,
  ];
  return `| ${cells.join(' | ')} |`;
}

function averageOf(results: readonly Result[]): Result {
  const mean = (pick: (r: Result) => number) =>
    results.reduce((sum, r) => sum + pick(r), 0) / results.length;
  const score = (pick: (r: Result) => GroupingScore): GroupingScore => ({
    ga: mean((r) => pick(r).ga),
    fga: mean((r) => pick(r).fga),
    precision: mean((r) => pick(r).precision),
    recall: mean((r) => pick(r).recall),
    predictedGroups: mean((r) => pick(r).predictedGroups),
    trueGroups: mean((r) => pick(r).trueGroups),
  });
  return {
    name: 'average',
    leftOut: score((r) => r.leftOut as GroupingScore),
    chosen: defaultMinerOptions,
    inSample: score((r) => r.inSample),
    drain3: score((r) => r.drain3),
    linesPerSecond: mean((r) => r.linesPerSecond),
    drain3LinesPerSecond: mean((r) => r.drain3LinesPerSecond),
  };
}

/** Mean GA on all systems with one setting changed from the defaults. */
interface Sensitivity {
  change: string;
  meanGa: number;
}

function cliReport(times: CliTimes | string): string[] {
  if (typeof times === 'string') return [`\`aiops logs mine\` not timed: ${times}.`];
  return [
    `\`aiops logs mine\` (this checkout's \`bin/aiops.js\`) on ${times.system}'s 2,000 lines, median`,
    `of ${cliRuns}: the whole process, start-up included, ${times.cliWall.toFixed(2)} s wall,`,
    `${times.cliCpu.toFixed(2)} s CPU; reading, mining and printing in-process after warm-up (the`,
    `miner's own share) ${times.inProcessWall.toFixed(3)} s wall, ${times.inProcessCpu.toFixed(3)} s CPU.`,
    `In the same runs, \`node -e 0\` took ${times.nodeWall.toFixed(2)} s wall, ${times.nodeCpu.toFixed(2)} s CPU,`,
    `and Drain3 doing the same job as a process (\`bench/drain3_mine.py\`: Python start-up, mining,`,
    `printing) ${times.drain3Wall.toFixed(2)} s wall, ${times.drain3Cpu.toFixed(2)} s CPU.`,
    `1-minute load average then: ${times.load.toFixed(1)} on ${cpus().length} cores, so wall times`,
    'here mostly measure the other jobs; CPU times are the better guide. Target: < 0.5 s wall.',
  ];
}

interface Report {
  /** Mean GA of the defaults on all systems. */
  meanGa: number;
  sensitivity: Sensitivity[];
  /** A reason instead when the CLI could not be run (e.g. not built). */
  cliTimes: CliTimes | string;
  perSystem: Result[];
  mixed: Result;
  /** Configurations scored while choosing. */
  configurations: number;
  /** Whether the defaults are the configuration chosen on all systems (they must be). */
  defaultsChosenOnAll: boolean;
  date: string;
}

function report({
  meanGa,
  sensitivity,
  cliTimes,
  perSystem,
  mixed,
  configurations,
  defaultsChosenOnAll,
  date,
}: Report): string {
  return [
    '## Log template mining (Loghub-2k, corrected ground truth)',
    '',
    `Command: \`npm run bench:logs\` · Machine: ${machineDescription()}, shared with other` +
      ` engineers' jobs (timings are indicative) · Date: ${date}`,
    '',
    'Headline: **leave one system out**. For each system, every miner setting',
    '(`detectors/logs/options.ts`, values listed in `bench/logs-settings.ts`) is chosen by the',
    'best mean GA on the other 7 systems (coordinate search over the settings until no change;',
    `${configurations} configurations scored, with the list below), and the left-out system is scored with that`,
    'choice; ties go to the value listed first, an order set from the causes of misses on data',
    'kept back (issue #14), not from these scores. In-sample: the engine’s defaults, which are',
    `the choice on all 8 systems${defaultsChosenOnAll ? '' : ' (**not so in this run: update the defaults**)'}.`,
    'No setting, mask or rule names a system. Drain3: the `drain3` PyPI package,',
    '`TemplateMiner()` with its default config and no masking. Both read the Content column line',
    'by line in one pass (no look-ahead); a line belongs to the final template of the cluster',
    'it joined. GA: share of lines whose predicted group equals their true group (EventId);',
    'FGA: F1 over exactly-matched groups. Lines/s: lines per CPU second while mining, engine',
    `defaults (no I/O); median of ${timingRuns} runs, each mining the lines repeatedly, with a fresh`,
    `miner each time, for at least ${minRunSeconds} CPU s, after a warm-up. The last row feeds all`,
    'systems, interleaved, to one miner (truth: system + EventId), defaults; not in the average.',
    '',
    '| system | GA left out | GA in-sample | GA Drain3 | FGA left out | FGA in-sample |' +
      ' FGA Drain3 | lines/s ours | lines/s Drain3 | speed ratio |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...perSystem.map((r) => row(r)),
    row(averageOf(perSystem), true),
    row(mixed),
    '',
    'Settings chosen without each system (where they differ from the defaults):',
    '',
    ...perSystem.map((r) => `- ${r.name}: ${describeOptions(r.chosen)}`),
    '',
    `What these 8 systems can tell apart: mean GA of the defaults ${f3(meanGa)}; with one setting`,
    'changed (settings not listed change nothing here, so their values come from the preference',
    'order alone and only data kept back can judge them):',
    '',
    ...sensitivity
      .filter((s) => Math.abs(s.meanGa - meanGa) > 1e-12)
      .map(
        (s) =>
          `- ${s.change}: ${(s.meanGa - meanGa >= 0 ? '+' : '') + (s.meanGa - meanGa).toFixed(4)}`,
      ),
    '',
    ...cliReport(cliTimes),
    '',
    'Data kept back (other Loghub-2k systems) is scored by the maintainers, not here: before',
    'issue #14 the miner scored GA 0.698 there (Drain3 0.647), against 0.996 on these 8.',
  ].join('\n');
}

function progress(r: Result): void {
  process.stdout.write(
    [
      r.name.padEnd(18),
      `GA left out ${r.leftOut ? f3(r.leftOut.ga) : '—'} in-sample ${f3(r.inSample.ga)}` +
        ` Drain3 ${f3(r.drain3.ga)}`,
      `FGA ${r.leftOut ? f3(r.leftOut.fga) : '—'} / ${f3(r.inSample.fga)} / ${f3(r.drain3.fga)}`,
      `${rate(r.linesPerSecond)} vs ${rate(r.drain3LinesPerSecond)} lines/s\n`,
    ].join('  '),
  );
}

/** Our miner (engine defaults) and Drain3 on one dataset, scored against its truth. */
function measurePeers(d: Dataset): Omit<Result, 'leftOut' | 'chosen'> {
  const ours = measureOurs(d.contents);
  const drain3 = measureDrain3(d.contents);
  return {
    name: d.name,
    inSample: groupingAccuracy(ours.groups, d.eventIds),
    drain3: groupingAccuracy(drain3.groups, d.eventIds),
    linesPerSecond: ours.linesPerSecond,
    drain3LinesPerSecond: drain3.linesPerSecond,
  };
}

/** `aiops logs mine FILE` (a fresh process) and mining FILE in-process: wall and CPU seconds. */
interface CliTimes {
  system: string;
  cliWall: number;
  cliCpu: number;
  inProcessWall: number;
  inProcessCpu: number;
  /** Peers timed as whole processes in the same runs: `node -e 0` and Drain3 doing the job. */
  nodeWall: number;
  nodeCpu: number;
  drain3Wall: number;
  drain3Cpu: number;
  /** 1-minute load average when measured: the machine is shared. */
  load: number;
}

/** CPU seconds of this process's finished children (Linux /proc; 0 elsewhere). */
function childrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Times `aiops logs mine` on one system's 2,000 lines: the whole CLI process (start-up
 * included) and, for the miner's own share, the same command's work in this process.
 */
async function measureCli({ name, contents }: Dataset): Promise<CliTimes> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-logs-'));
  const file = join(dir, `${name}.log`);
  writeFileSync(file, contents.map((line) => `${line}\n`).join(''));
  try {
    const runs = {
      cliWall: [] as number[],
      cliCpu: [] as number[],
      inProcessWall: [] as number[],
      inProcessCpu: [] as number[],
      nodeWall: [] as number[],
      nodeCpu: [] as number[],
      drain3Wall: [] as number[],
      drain3Cpu: [] as number[],
    };
    /** Runs a process to completion; its wall and CPU seconds. */
    const timed = (command: string, args: string[], env = process.env): [number, number] => {
      const started = performance.now();
      const cpuBefore = childrenCpuSeconds();
      const result = spawnSync(command, args, { env, maxBuffer: 64 * 1024 * 1024 });
      if (result.status !== 0) {
        const reason = String(result.stderr).trim() || `status ${result.status}`;
        throw new Error(`${command} ${args.join(' ')} failed (${reason})`);
      }
      return [(performance.now() - started) / 1000, childrenCpuSeconds() - cpuBefore];
    };
    for (let run = 0; run < cliRuns; run++) {
      const [cliWall, cliCpu] = timed(process.execPath, [cli, 'logs', 'mine', file]);
      runs.cliWall.push(cliWall);
      runs.cliCpu.push(cliCpu);
      const [nodeWall, nodeCpu] = timed(process.execPath, ['-e', '0']);
      runs.nodeWall.push(nodeWall);
      runs.nodeCpu.push(nodeCpu);
      const [drain3Wall, drain3Cpu] = timed('python3', [drain3Mine, file], {
        ...process.env,
        PYTHONPATH: pyenv,
      });
      runs.drain3Wall.push(drain3Wall);
      runs.drain3Cpu.push(drain3Cpu);
      const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
      const own = performance.now();
      const ownCpu = process.cpuUsage();
      await mineLogLines(createReadStream(file), sink);
      const used = process.cpuUsage(ownCpu);
      runs.inProcessWall.push((performance.now() - own) / 1000);
      runs.inProcessCpu.push((used.user + used.system) / 1e6);
    }
    return {
      system: name,
      cliWall: median(runs.cliWall),
      cliCpu: median(runs.cliCpu),
      inProcessWall: median(runs.inProcessWall),
      inProcessCpu: median(runs.inProcessCpu),
      nodeWall: median(runs.nodeWall),
      nodeCpu: median(runs.nodeCpu),
      drain3Wall: median(runs.drain3Wall),
      drain3Cpu: median(runs.drain3Cpu),
      load: loadavg()[0] ?? 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  ensureDrain3();
  const datasets = loghubSystems.map((name) => ({ name, ...readLoghub(name) }));
  const scored = new Map<string, GroupingScore[]>();
  const score = (options: MinerOptions) => {
    const key = describeOptions(options);
    let scores = scored.get(key);
    if (!scores) {
      scores = datasets.map(({ contents, eventIds }) =>
        groupingAccuracy(mineGroups(contents, options), eventIds),
      );
      scored.set(key, scores);
    }
    return scores.map((s) => s.ga);
  };
  const chosen = leaveOneOutOptions(datasets.length, score);
  const onAll = chooseOptions(
    datasets.map((_, s) => s),
    score,
  );
  const defaultsChosenOnAll = describeOptions(onAll) === describeOptions(defaultMinerOptions);
  const perSystem = datasets.map((d, s) => {
    const options = chosen[s] as MinerOptions;
    const result: Result = {
      ...measurePeers(d),
      leftOut: scored.get(describeOptions(options))?.[s] as GroupingScore,
      chosen: options,
    };
    progress(result);
    return result;
  });
  const mixedData = mixedStream(datasets);
  const mixedPeers = measurePeers(mixedData);
  const mixed: Result = { ...mixedPeers, leftOut: undefined, chosen: onAll };
  progress(mixed);
  if (!defaultsChosenOnAll) {
    process.stderr.write(
      `the choice on all systems differs from the defaults: ${describeOptions(onAll)}\n`,
    );
  }
  const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const meanGa = mean(score(defaultMinerOptions));
  const sensitivity = singleChanges(defaultMinerOptions).map(({ setting, value, options }) => ({
    change: `${setting}=${value}`,
    meanGa: mean(score(options)),
  }));
  const cliTimes = await measureCli(datasets[0] as Dataset).catch((err: unknown) =>
    err instanceof Error ? err.message : String(err),
  );
  process.stdout.write(`${cliReport(cliTimes).join(' ')}\n`);
  const markdown = report({
    meanGa,
    sensitivity,
    cliTimes,
    perSystem,
    mixed,
    configurations: scored.size,
    defaultsChosenOnAll,
    date: new Date().toISOString().slice(0, 10),
  });
  await writeBenchmarkSection('logs', markdown);
  process.stdout.write(`\n${markdown}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
