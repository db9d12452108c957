/**
 * Log template mining benchmark on Loghub-2k (corrected ground truth): grouping accuracy,
 * FGA and throughput of our miner against Drain3 with its default settings, same lines, same
 * run. Run: npm run bench:logs
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LogTemplateMiner } from '../detectors/logs/miner';
import { groupingAccuracy } from '../detectors/logs/grouping-accuracy';
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
export function mineGroups(lines: readonly string[]): string[] {
  const miner = new LogTemplateMiner();
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

/** What the report shows of one miner on one dataset. */
interface Side {
  ga: number;
  fga: number;
  linesPerSecond: number;
}

interface Result {
  name: string;
  ours: Side;
  drain3: Side;
}

interface Dataset extends LabelledLogs {
  name: string;
}

function evaluate({ name, contents, eventIds }: Dataset): Result {
  const side = ({ groups, linesPerSecond }: Measured): Side => {
    const { ga, fga } = groupingAccuracy(groups, eventIds);
    return { ga, fga, linesPerSecond };
  };
  return { name, ours: side(measureOurs(contents)), drain3: side(measureDrain3(contents)) };
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

function row({ name, ours, drain3 }: Result, bold = false): string {
  const b = (text: string) => (bold ? `**${text}**` : text);
  const cells = [
    b(name),
    b(f3(ours.ga)),
    f3(drain3.ga),
    b(f3(ours.fga)),
    f3(drain3.fga),
    rate(ours.linesPerSecond),
    rate(drain3.linesPerSecond),
    `${(ours.linesPerSecond / drain3.linesPerSecond).toFixed(2)}×`,
  ];
  return `| ${cells.join(' | ')} |`;
}

function averageOf(results: readonly Result[]): Result {
  const mean = (pick: (r: Result) => number) =>
    results.reduce((sum, r) => sum + pick(r), 0) / results.length;
  const side = (pick: (r: Result) => Side): Side => ({
    ga: mean((r) => pick(r).ga),
    fga: mean((r) => pick(r).fga),
    linesPerSecond: mean((r) => pick(r).linesPerSecond),
  });
  return { name: 'average', ours: side((r) => r.ours), drain3: side((r) => r.drain3) };
}

function report(perSystem: readonly Result[], mixed: Result, date: string): string {
  return [
    '## Log template mining (Loghub-2k, corrected ground truth)',
    '',
    `Command: \`npm run bench:logs\` · Machine: ${machineDescription()} · Date: ${date}`,
    '',
    'Ours: `detectors/logs` with its single built-in configuration (no per-dataset parameters',
    'or regexes). Drain3: the `drain3` PyPI package, `TemplateMiner()` with its default config',
    'and no masking. Both read the Content column line by line in one pass; a line belongs to',
    'the final template of the cluster it joined. GA: share of lines whose predicted group',
    'equals their true group (EventId); FGA: F1 over exactly-matched groups. Lines/s: lines per',
    `CPU second of the process while mining (no I/O); median of ${timingRuns} runs, each mining the`,
    `lines repeatedly, with a fresh miner each time, for at least ${minRunSeconds} CPU s; after a`,
    'warm-up. The last row feeds all systems, interleaved, to one miner (truth: system +',
    'EventId); it is not part of the average.',
    '',
    '| system | GA ours | GA Drain3 | FGA ours | FGA Drain3 | lines/s ours | lines/s Drain3 |' +
      ' speed ratio |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...perSystem.map((r) => row(r)),
    row(averageOf(perSystem), true),
    row(mixed),
  ].join('\n');
}

function progress({ name, ours, drain3 }: Result): void {
  const versus = (a: string, b: string) => `${a} vs ${b}`;
  process.stdout.write(
    [
      name.padEnd(18),
      `GA ${versus(f3(ours.ga), f3(drain3.ga))}`,
      `FGA ${versus(f3(ours.fga), f3(drain3.fga))}`,
      `${versus(rate(ours.linesPerSecond), rate(drain3.linesPerSecond))} lines/s\n`,
    ].join('  '),
  );
}

async function main(): Promise<void> {
  ensureDrain3();
  const datasets = loghubSystems.map((name) => ({ name, ...readLoghub(name) }));
  // Warm-up: let the JIT compile the miner before anything is timed.
  for (const { contents } of datasets) mineGroups(contents);
  const perSystem = datasets.map((d) => {
    const result = evaluate(d);
    progress(result);
    return result;
  });
  const mixed = evaluate(mixedStream(datasets));
  progress(mixed);
  const markdown = report(perSystem, mixed, new Date().toISOString().slice(0, 10));
  await writeBenchmarkSection('logs', markdown);
  process.stdout.write(`\n${markdown}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
