/**
 * The replay of one Nezha fault, moved to any target time, as the data's README measures the
 * engine: the day's fault-free minute (trace and span ids renamed per copy, times shifted) into
 * each of the `baselineMinutes` minutes before the fault's recording, then the fault's trace and
 * log minutes as they are, and every pod's metrics over the whole window. Builds the OTLP/JSON
 * requests only; ./send.ts posts them.
 *
 * Usage:
 *   const fault = listFaults('2023-01-30')[0];
 *   const replay = buildFaultReplay(fault, { injectAt: new Date() });
 *   await sendReplay('http://127.0.0.1:4318', replay.requests);
 *   // then rank replay.window.start … replay.window.end with replay.baselineMinutes of baseline
 */
import {
  defaultNezhaRoot,
  faultFreeMinute,
  listFaults,
  metricPods,
  minuteName,
  minuteStart,
  readLogMinute,
  readPodMetrics,
  readTraceMinute,
  type LogRow,
  type MetricRow,
  type NezhaFault,
  type TraceRow,
} from './dataset';
import {
  chunk,
  inferSpanKinds,
  logsRequest,
  metricsRequest,
  renameId,
  tracesRequest,
} from './otlp';
import { recordingStartMs } from './recording-start';

export type Signal = 'traces' | 'logs' | 'metrics';

/** One OTLP/HTTP export: POST `body` as JSON to `<endpoint>/v1/<signal>`. */
export interface ExportRequest {
  signal: Signal;
  body: object;
}

/** Where the healthy minute replayed before the fault comes from. */
export interface BaselineSource {
  /** What it is, for reports. */
  description: string;
  spans: TraceRow[];
  logs: LogRow[];
  /** The time the source's minute starts at; a copy starts where this lands. */
  startNs: bigint;
}

const minuteNs = 60_000_000_000n;
/** Milliseconds (a placement may be fractional) as whole-millisecond nanoseconds. */
export const msToNs = (ms: number) => BigInt(Math.round(ms)) * 1_000_000n;

/**
 * The day's fault-free minute (`construct_data`). A day without one (the Online Boutique
 * development day) falls back to what its traces and logs recorded before the day's first
 * injection, in the minute file that holds it: healthy traffic of the same day that overlaps no
 * fault's window (under a minute of it; a copy then leaves the rest of its minute empty).
 */
export function baselineSource(day: string, root = defaultNezhaRoot): BaselineSource {
  const free = faultFreeMinute(day, root);
  if (free) {
    return {
      description: `fault-free minute construct_data/${day} ${free}`,
      spans: readTraceMinute(day, free, 'construct_data', root) ?? [],
      logs: readLogMinute(day, free, 'construct_data', root) ?? [],
      startNs: msToNs(minuteStart(day, free).getTime()),
    };
  }
  const first = listFaults(day, root)[0];
  if (!first) throw new Error(`no fault-free minute and no faults on ${day}`);
  const minute = minuteName(first.injectTime);
  const before = msToNs(first.injectTime.getTime());
  const spans = (readTraceMinute(day, minute, 'rca_data', root) ?? []).filter(
    (s) => s.endNs < before,
  );
  if (!spans.length) throw new Error(`no fault-free traces on ${day} before its first fault`);
  const kept = new Set(spans.map((s) => s.traceId));
  const logs = (readLogMinute(day, minute, 'rca_data', root) ?? []).filter(
    (l) => l.timeNs < before && (!l.traceId || kept.has(l.traceId)),
  );
  return {
    description: `traces before the day's first injection (${day} ${minute}, ${Number((before - msToNs(minuteStart(day, minute).getTime())) / 1_000_000_000n)} s)`,
    spans,
    logs,
    startNs: msToNs(minuteStart(day, minute).getTime()),
  };
}

/** Every pod's metric rows of a fault day, by pod. */
export function dayMetrics(day: string, root = defaultNezhaRoot): Map<string, MetricRow[]> {
  return new Map(metricPods(day, root).map((pod) => [pod, readPodMetrics(day, pod, root)]));
}

export interface ReplayOptions {
  /** Where the injection lands; every time is shifted by `injectAt − inject_time`. */
  injectAt: Date;
  /** Minutes of fault-free traffic before the fault's recording (the README's protocol: 3). */
  baselineMinutes?: number;
  /** Fault minutes sent, from the injection's minute on (the data holds 3 per fault). */
  faultMinutes?: number;
  /** Defaults to `baselineSource(fault.day)`; pass one to reuse it across a day's faults. */
  baseline?: BaselineSource;
  /** Defaults to `dayMetrics(fault.day)`; pass it to read a day's metric files once. */
  metrics?: ReadonlyMap<string, MetricRow[]>;
  /** Spans, logs or metric rows per request. */
  rowsPerRequest?: number;
  root?: string;
}

export interface FaultReplay {
  fault: NezhaFault;
  /** The ranked window (shifted): injection → injection + 3 minutes. */
  window: { start: Date; end: Date };
  baselineMinutes: number;
  baseline: string;
  /** Fault minutes absent from the snapshot (ABSENT.txt), by signal. */
  absent: { trace: string[]; log: string[] };
  requests: ExportRequest[];
  counts: { spans: number; logs: number; metricRows: number };
}

export function buildFaultReplay(fault: NezhaFault, options: ReplayOptions): FaultReplay {
  const root = options.root ?? defaultNezhaRoot;
  const baselineMinutes = options.baselineMinutes ?? 3;
  const faultMinutes = options.faultMinutes ?? 3;
  const size = options.rowsPerRequest ?? 5000;
  const baseline = options.baseline ?? baselineSource(fault.day, root);
  const injectMs = fault.injectTime.getTime();
  const shiftMs = options.injectAt.getTime() - injectMs;
  const shiftNs = msToNs(shiftMs);
  const requests: ExportRequest[] = [];
  const counts = { spans: 0, logs: 0, metricRows: 0 };

  const addSpans = (rows: TraceRow[], shift: bigint, ids?: (id: string) => string) => {
    const kinds = inferSpanKinds(rows);
    for (const part of chunk(rows, size))
      requests.push({ signal: 'traces', body: tracesRequest(part, kinds, shift, ids) });
    counts.spans += rows.length;
  };
  const addLogs = (rows: LogRow[], shift: bigint, ids?: (id: string) => string) => {
    for (const part of chunk(rows, size))
      requests.push({ signal: 'logs', body: logsRequest(part, shift, ids) });
    counts.logs += rows.length;
  };

  const absent = { trace: [] as string[], log: [] as string[] };
  const firstMinuteMs = minuteStart(fault.day, minuteName(fault.injectTime)).getTime();
  const firstMinute = msToNs(firstMinuteMs);
  const faultSpans = [...Array(faultMinutes).keys()].map((m) =>
    readTraceMinute(fault.day, minuteName(new Date(firstMinuteMs + m * 60_000)), 'rca_data', root),
  );

  // Copy k ends k − 1 minutes before the recording's traffic begins (or the injection, if that
  // is earlier), each copy's traffic where its file's begins: a file cut off the wall-clock
  // minute (2023-01-29's begin 51 s before theirs) otherwise plays its first seconds over the
  // last copy, twice the traffic, which a running system never shows (issue #20, `base25`).
  const recordingStart = recordingStartMs(faultSpans[0] ?? [], firstMinuteMs);
  const copiesEnd = Math.min(recordingStart, injectMs) + shiftMs;
  const sourceTraffic = msToNs(
    recordingStartMs(baseline.spans, Number(baseline.startNs / 1_000_000n)),
  );
  for (let k = baselineMinutes; k >= 1; k--) {
    const copy = `${fault.day}-${injectMs}-${k}`;
    const ids = (id: string) => renameId(id, copy);
    const shift = msToNs(copiesEnd - k * 60_000) - sourceTraffic;
    addSpans(baseline.spans, shift, ids);
    addLogs(baseline.logs, shift, ids);
  }

  for (let m = 0; m < faultMinutes; m++) {
    const at = new Date(Number((firstMinute + BigInt(m) * minuteNs) / 1_000_000n));
    const minute = minuteName(at);
    const spans = faultSpans[m];
    if (spans) addSpans(spans, shiftNs);
    else absent.trace.push(minute);
    const logs = readLogMinute(fault.day, minute, 'rca_data', root);
    if (logs) addLogs(logs, shiftNs);
    else absent.log.push(minute);
  }

  const from = injectMs - baselineMinutes * 60_000;
  const to = injectMs + 3 * 60_000;
  for (const all of (options.metrics ?? dayMetrics(fault.day, root)).values()) {
    const rows = all.filter((r) => r.timeMs >= from && r.timeMs < to);
    if (!rows.length) continue;
    requests.push({ signal: 'metrics', body: metricsRequest(rows, shiftNs) });
    counts.metricRows += rows.length;
  }

  const start = new Date(options.injectAt.getTime());
  return {
    fault,
    window: { start, end: new Date(start.getTime() + 3 * 60_000) },
    baselineMinutes,
    baseline: baseline.description,
    absent,
    requests,
    counts,
  };
}
