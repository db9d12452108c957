/**
 * Log template mining benchmark on Loghub-2k (corrected ground truth). Headline: grouping
 * accuracy and FGA left one system out (every miner setting chosen on the other systems, the
 * left-out one scored), beside the in-sample score of the engine's defaults; throughput; and
 * Drain3 with its default settings on the same lines in the same run.
 * Run: npm run bench:logs
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LogTemplateMiner } from '../detectors/logs/miner';
import { groupingAccuracy, type GroupingScore } from '../detectors/logs/grouping-accuracy';
import { defaultMinerOptions, type MinerOptions } from '../detectors/logs/options';
import { chooseOptions, describeOptions, leaveOneOutOptions } from './logs-settings';
import { machineDescription, writeBenchmarkSection } from './report';

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
const timingRuns = 5;
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
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

interface Report {
  perSystem: Result[];
  mixed: Result;
  /** Configurations scored while choosing. */
  configurations: number;
  /** Whether the defaults are the configuration chosen on all systems (they must be). */
  defaultsChosenOnAll: boolean;
  date: string;
}

function report({ perSystem, mixed, configurations, defaultsChosenOnAll, date }: Report): string {
  return [
    '## Log template mining (Loghub-2k, corrected ground truth)',
    '',
    `Command: \`npm run bench:logs\` · Machine: ${machineDescription()}, shared with other` +
      ` engineers' jobs (timings are indicative) · Date: ${date}`,
    '',
    'Headline: **leave one system out**. For each system, every miner setting',
    '(`detectors/logs/options.ts`, values listed in `bench/logs-settings.ts`) is chosen by the',
    'best mean GA on the other 7 systems (coordinate search over the settings until no change;',
    `${configurations} configurations scored in all), and the left-out system is scored with that`,
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
  const markdown = report({
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
