/**
 * Reads the NAB layout under shared/data/nab: data files, label windows, scoring profiles and
 * published detector outputs. Only I/O and parsing live here; scoring is in sweeper/scorer.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CostMatrix, WindowLimits } from './sweeper';

export const NAB_ROOT = resolve(__dirname, '..', '..', '..', 'shared', 'data', 'nab');

export interface DataFile {
  /** NAB's key, e.g. `realKnownCause/nyc_taxi.csv`. */
  readonly relativePath: string;
  /** Absolute path of the data CSV. */
  readonly path: string;
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
  readonly windows: readonly WindowLimits[];
}

export type Profiles = Readonly<Record<string, CostMatrix>>;

/** `2014-04-01 00:00:00[.ffffff]` as UTC epoch ms; NAB compares window limits to rows exactly. */
export function parseNabTimestamp(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text.trim());
  if (m === null) throw new Error(`unparseable timestamp "${text}"`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000);
  return Date.UTC(y, mo - 1, d, h, mi, s) + ms;
}

/** Rows of a NAB CSV (header first) as named string columns. */
export function readCsvColumns(path: string): Map<string, string[]> {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(',');
  const columns = new Map<string, string[]>(header.map((h) => [h, []]));
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    header.forEach((h, i) => columns.get(h)?.push(cells[i] ?? ''));
  }
  return columns;
}

function column(columns: Map<string, string[]>, name: string, path: string): string[] {
  const col = columns.get(name);
  if (col === undefined) throw new Error(`${path}: no "${name}" column`);
  return col;
}

/** Every labelled data file, in the label file's order. */
export function loadCorpus(root = NAB_ROOT): DataFile[] {
  const labels = JSON.parse(
    readFileSync(join(root, 'labels', 'combined_windows.json'), 'utf8'),
  ) as Record<string, [string, string][]>;
  return Object.entries(labels).map(([relativePath, windows]) => {
    const path = join(root, 'data', relativePath);
    const columns = readCsvColumns(path);
    return {
      relativePath,
      path,
      timestamps: column(columns, 'timestamp', path).map(parseNabTimestamp),
      values: column(columns, 'value', path).map(Number),
      windows: windows.map(([a, b]) => [parseNabTimestamp(a), parseNabTimestamp(b)] as const),
    };
  });
}

export function loadProfiles(root = NAB_ROOT): Profiles {
  const raw = JSON.parse(readFileSync(join(root, 'config', 'profiles.json'), 'utf8')) as Record<
    string,
    { CostMatrix: CostMatrix }
  >;
  return Object.fromEntries(Object.entries(raw).map(([name, p]) => [name, p.CostMatrix]));
}

/** A published detector's anomaly_score column for one data file. */
export function loadPublishedScores(
  detector: string,
  relativePath: string,
  root = NAB_ROOT,
): number[] {
  const path = join(
    root,
    'results',
    detector,
    dirname(relativePath),
    `${detector}_${basename(relativePath)}`,
  );
  return column(readCsvColumns(path), 'anomaly_score', path).map(Number);
}
