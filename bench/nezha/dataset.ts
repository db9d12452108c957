/**
 * Reading the Nezha fault-injection data (`../shared/data/nezha`, see its README): the faults of
 * each day with their ground truth, and a minute's traces and logs or a pod's metrics as typed
 * rows. Nothing here builds requests or sends them (./otlp.ts, ./replay.ts, ./send.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';

export const defaultNezhaRoot = join(__dirname, '..', '..', '..', 'shared', 'data', 'nezha');

export type NezhaSystem = 'train-ticket' | 'online-boutique';
export type NezhaFaultType =
  'cpu_contention' | 'cpu_consumed' | 'network_delay' | 'exception' | 'return';

export interface NezhaFault {
  /** The day folder, e.g. `2023-01-30`. */
  day: string;
  system: NezhaSystem;
  /** `inject_time`, read as UTC (the README: `inject_timestamp` is off by a zone on some days). */
  injectTime: Date;
  pod: string;
  /** The ground truth: the pod name without its ReplicaSet and pod suffixes. */
  service: string;
  type: NezhaFaultType;
}

export interface TraceRow {
  traceId: string;
  spanId: string;
  /** Null for a root span (`root` in the file). */
  parentId: string | null;
  pod: string;
  operation: string;
  startNs: bigint;
  endNs: bigint;
}

export interface LogRow {
  timeNs: bigint;
  pod: string;
  traceId: string | null;
  spanId: string | null;
  /** The container runtime's JSON line (`{"log": "...", "stream": ..., "time": ...}`). */
  runtimeLine: string;
}

export interface MetricRow {
  timeMs: number;
  pod: string;
  /** Column header → value, as read (non-finite values included; the request builder drops them). */
  values: Record<string, number>;
}

const replicaSetPod = /^(.+)-[0-9a-f]{8,10}-[0-9a-z]{5}$/;

/** `ts-contacts-service-866bd68c97-dzqgd` → `ts-contacts-service`; other names stay as they are. */
export function serviceOfPod(pod: string): string {
  return replicaSetPod.exec(pod)?.[1] ?? pod;
}

/** The system a day recorded, told apart by its pods (Train Ticket's all start `ts-`). */
function systemOf(pods: readonly string[]): NezhaSystem {
  return pods.every((p) => p.startsWith('ts-')) ? 'train-ticket' : 'online-boutique';
}

function readCsv(path: string): Record<string, string>[] {
  return parse(gunzipSync(readFileSync(path)), {
    columns: true,
    skip_empty_lines: true,
    relax_column_count: true,
  });
}

/** The days under `rca_data` (each a folder with a `<day>-fault_list.json`). */
export function listDays(root = defaultNezhaRoot): string[] {
  const dir = join(root, 'rca_data');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((day) => existsSync(join(dir, day, `${day}-fault_list.json`)))
    .sort();
}

/** The faults of one day in injection order. */
export function listFaults(day: string, root = defaultNezhaRoot): NezhaFault[] {
  const file = join(root, 'rca_data', day, `${day}-fault_list.json`);
  const byHour = JSON.parse(readFileSync(file, 'utf8')) as Record<
    string,
    { inject_time: string; inject_pod: string; inject_type: NezhaFaultType }[]
  >;
  const entries = Object.values(byHour).flat();
  const system = systemOf(entries.map((e) => e.inject_pod));
  return entries
    .map((e) => ({
      day,
      system,
      injectTime: new Date(e.inject_time.replace(' ', 'T') + 'Z'),
      pod: e.inject_pod,
      service: serviceOfPod(e.inject_pod),
      type: e.inject_type,
    }))
    .sort((a, b) => a.injectTime.getTime() - b.injectTime.getTime());
}

/** `HH_MM` of a UTC time, the name of its minute's files. */
export function minuteName(at: Date): string {
  return at.toISOString().slice(11, 16).replace(':', '_');
}

/** The start of the UTC day of `day` plus the minute `HH_MM`. */
export function minuteStart(day: string, minute: string): Date {
  return new Date(`${day}T${minute.replace('_', ':')}:00Z`);
}

/** Where a minute of a day lives: `rca_data` (fault days) or `construct_data` (fault-free). */
export type Collection = 'rca_data' | 'construct_data';

function minutePath(
  root: string,
  collection: Collection,
  day: string,
  signal: 'trace' | 'log',
  minute: string,
) {
  return join(root, collection, day, signal, `${minute}_${signal}.csv.gz`);
}

/** A minute's spans, or null when the file is absent from the snapshot (ABSENT.txt). */
export function readTraceMinute(
  day: string,
  minute: string,
  collection: Collection = 'rca_data',
  root = defaultNezhaRoot,
): TraceRow[] | null {
  const path = minutePath(root, collection, day, 'trace', minute);
  if (!existsSync(path)) return null;
  return readCsv(path).map((r) => ({
    traceId: r.TraceID!,
    spanId: r.SpanID!,
    parentId: r.ParentID && r.ParentID !== 'root' ? r.ParentID : null,
    pod: r.PodName!,
    operation: r.OperationName!,
    startNs: BigInt(r.StartTimeUnixNano!),
    endNs: BigInt(r.EndTimeUnixNano!),
  }));
}

/** `2023-01-29T09:20:29.295` or `…29.295318Z` (UTC) → epoch nanoseconds. */
export function isoNanos(iso: string): bigint | null {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z?$/.exec(iso.trim());
  if (!m) return null;
  const seconds = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(seconds)) return null;
  return BigInt(seconds) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/**
 * A log line's time: `TimeUnixNano`, unless it disagrees with the `Timestamp` column by more than
 * a second (some rows hold an overflowed, negative `TimeUnixNano`), then the timestamp.
 */
function logTime(unixNano: string, timestamp: string): bigint {
  const stamped = isoNanos(timestamp);
  const nanos = /^\d+$/.test(unixNano) ? BigInt(unixNano) : null;
  if (nanos === null) return stamped ?? 0n;
  if (stamped === null) return nanos;
  const diff = nanos > stamped ? nanos - stamped : stamped - nanos;
  return diff > 1_000_000_000n ? stamped : nanos;
}

/** A minute's log lines, or null when the file is absent. */
export function readLogMinute(
  day: string,
  minute: string,
  collection: Collection = 'rca_data',
  root = defaultNezhaRoot,
): LogRow[] | null {
  const path = minutePath(root, collection, day, 'log', minute);
  if (!existsSync(path)) return null;
  return readCsv(path).map((r) => ({
    timeNs: logTime(r.TimeUnixNano!, r.Timestamp!),
    pod: r.PodName!,
    traceId: r.TraceID || null,
    spanId: r.SpanID || null,
    runtimeLine: r.Log ?? '',
  }));
}

/** The fault-free minute of a day (`construct_data/<day>/trace`), or null when absent. */
export function faultFreeMinute(day: string, root = defaultNezhaRoot): string | null {
  const dir = join(root, 'construct_data', day, 'trace');
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir).filter((f) => f.endsWith('_trace.csv.gz'));
  return files.sort()[0]?.slice(0, 5) ?? null;
}

/** The pods with a metric file on a fault day (`<pod>_metric.csv.gz`). */
export function metricPods(day: string, root = defaultNezhaRoot): string[] {
  const dir = join(root, 'rca_data', day, 'metric');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('_metric.csv.gz'))
    .map((f) => f.slice(0, -'_metric.csv.gz'.length))
    .sort();
}

const nonMetricColumns = new Set(['Time', 'TimeStamp', 'PodName']);

/** A pod's metric rows over the day (one a minute); `TimeStamp` is in epoch seconds. */
export function readPodMetrics(day: string, pod: string, root = defaultNezhaRoot): MetricRow[] {
  const path = join(root, 'rca_data', day, 'metric', `${pod}_metric.csv.gz`);
  if (!existsSync(path)) return [];
  return readCsv(path).map((r) => ({
    timeMs: Number(r.TimeStamp) * 1000,
    pod: r.PodName || pod,
    values: Object.fromEntries(
      Object.entries(r)
        .filter(([k]) => !nonMetricColumns.has(k))
        .map(([k, v]) => [k, v === '' ? NaN : Number(v)]),
    ),
  }));
}
