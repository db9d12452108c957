import { defaultMinerOptions } from '../../detectors/logs/options';
import { lineShape, slotSeparator } from '../../detectors/logs/shape';
import type { LogRecord, MetricPoint, Span } from '../../simulator/telemetry';
import { lineBeforeItsCut } from './cut-lines';
import { latencyHistory, type LatencyHistory, type OperationLatencyLevel } from './latency-history';

/**
 * What an investigation collects: the same series over a baseline window and the fault window,
 * in fixed buckets. RCA methods read only this structure (never raw telemetry, never ground
 * truth), so it can be built from simulator output here or from PostgreSQL rollups later.
 * Missing values (no calls in a bucket, no scrape) are `null` so the structure survives JSON.
 */

export interface EvidenceWindow {
  /** Epoch ms. Buckets before `faultStart` are the baseline. */
  baselineStart: number;
  faultStart: number;
  end: number;
  /**
   * Periods left out of the baseline (other incidents: the baseline is how things look when
   * nothing is wrong). Their buckets are dropped and the rest closes up, unless that would
   * leave less than `minBaselineBuckets`.
   */
  excluded?: readonly { from: number; to: number }[];
}

/** Fewer baseline buckets than this (one minute) is too little to exclude anything. */
const minBaselineBuckets = 6;

/**
 * Where a fault window whose first anomaly is at `firstAnomaly` opens: at `faultStart`, or after
 * the last anomaly of an other incident that ended in between (its fading symptoms are not this
 * fault's). Incidents still going on at `firstAnomaly` are concurrent faults and change nothing.
 */
export function faultWindowStart(
  faultStart: number,
  firstAnomaly: number,
  others: readonly { lastAnomalyAt: number }[],
  bucketMs = 10_000,
): number {
  return Math.max(
    faultStart,
    ...others
      .filter((o) => o.lastAnomalyAt < firstAnomaly)
      .map((o) => Math.min(firstAnomaly, o.lastAnomalyAt + bucketMs)),
  );
}

/**
 * Maps each bucket of the window to its index once excluded baseline buckets are dropped, and
 * says where the lead-in begins (in buckets from the window's start) when every bucket of it was
 * dropped.
 */
function bucketIndex(window: EvidenceWindow, bucketMs: number) {
  const count = Math.ceil((window.end - window.baselineStart) / bucketMs);
  const baseline = Math.ceil((window.faultStart - window.baselineStart) / bucketMs);
  const excluded = (b: number) => {
    const from = window.baselineStart + b * bucketMs;
    return (window.excluded ?? []).some((r) => r.from < from + bucketMs && r.to > from);
  };
  let dropped = 0;
  for (let b = 0; b < baseline; b++) if (excluded(b)) dropped++;
  const index = Array.from({ length: count }, (_, b) => b);
  if (dropped === 0 || baseline - dropped < minBaselineBuckets) {
    return { index, bucketCount: count, baselineBuckets: baseline };
  }
  let kept = 0;
  for (let b = 0; b < count; b++) index[b] = b < baseline && excluded(b) ? -1 : kept++;
  const leadInStart = baseline - leadInBuckets;
  const leadInLeftOut =
    leadInStart >= 0 && index.slice(leadInStart, baseline).every((i) => i === -1);
  return {
    index,
    bucketCount: kept,
    baselineBuckets: baseline - dropped,
    ...(leadInLeftOut && { leadInStart }),
  };
}

export type Series = (number | null)[];

/** Rate, errors, duration per bucket. */
export interface RedSeries {
  calls: number[];
  errors: number[];
  meanMs: Series;
  p50Ms: Series;
  p95Ms: Series;
  p99Ms: Series;
}

export interface OperationSeries {
  service: string;
  operation: string;
  /** From the service's own SERVER spans. */
  red: RedSeries;
}

export interface EdgeSeries {
  caller: string;
  callee: string;
  /** From the caller's CLIENT spans: what the caller experienced. */
  client: RedSeries;
  /** Mean client duration minus the matched callee SERVER span duration (network + queueing). */
  gapMs: Series;
  gapMsByInstance: Record<string, Series>;
  /** Client calls with no matching server span (callee not instrumented, or unreachable). */
  unanswered: number[];
}

export interface MetricSeries {
  service: string;
  instance: string;
  name: string;
  values: Series;
  /**
   * The series' last reading before the fault window, read even from a baseline period left out
   * (another incident's): where the gauge stood when the window began.
   */
  held?: number;
}

export interface LogTemplateSeries {
  severity: string;
  counts: number[];
  /** Operations of the spans that logged it (joined by span id). */
  operations: Record<string, number>;
  /** A deterministic sample of fault-window trace ids that logged it. */
  traceIds: string[];
  /**
   * Its lines in the lead-in (`leadInBuckets` just before the fault window) when the baseline
   * left that minute out (another incident's period): older half, newer half.
   */
  leadIn?: [number, number];
}

/**
 * Buckets just before the fault window (one minute) whose lines are read even when the baseline
 * leaves them out: where each line stood when the window began.
 */
export const leadInBuckets = 6;

export interface TraceSpanSummary {
  spanId: string;
  parentSpanId?: string;
  service: string;
  operation: string;
  kind: Span['kind'];
  instance: string;
  peerService?: string;
  durationMs: number;
  error: boolean;
}

export interface SampledTrace {
  traceId: string;
  rootOperation: string;
  durationMs: number;
  error: boolean;
  spans: TraceSpanSummary[];
}

/**
 * What one operation's SERVER spans do per call, baseline against fault window: the spans
 * below each call, down to and including the first span in another service, counted by
 * `service operation`, and the log lines the call's own spans write, counted by `log template`.
 * A code path that changes (an early return, a throw, a wrong value that makes the code take
 * another branch) changes these counts per call: a line every call wrote that calls now skip is
 * a throw before it, even when nothing new is logged.
 */
export interface CallPattern {
  service: string;
  operation: string;
  /** SERVER spans of the operation: [baseline, fault window]. */
  calls: [number, number];
  /** `service operation` of a span below the call (or `log template`) → [baseline, fault window] counts. */
  children: Record<string, [number, number]>;
  /** `service operation` → calls with at least one such span below them, per window. */
  callsWith: Record<string, [number, number]>;
}

export interface Evidence {
  window: EvidenceWindow;
  bucketMs: number;
  bucketCount: number;
  baselineBuckets: number;
  /** Every service seen: span emitters, peers named by CLIENT spans (databases), log and metric sources. */
  services: string[];
  operations: OperationSeries[];
  edges: EdgeSeries[];
  metrics: MetricSeries[];
  /** service → log template (digits masked) → counts. */
  logs: Record<string, Record<string, LogTemplateSeries>>;
  /** Fault-window traces: abnormal = error or slower than the baseline p99 of its entry route. */
  traces: { normal: SampledTrace[]; abnormal: SampledTrace[] };
  /** Per operation, what its calls do below them (absent in evidence built by hand). */
  callPatterns?: CallPattern[];
  /** What the services logged before the window, when the store has it. */
  logHistory?: LogHistory;
  /** The operations' latency levels before the window, when the store has them. */
  latencyHistory?: LatencyHistory;
  /** Each metric series' readings before the window, when the store has them (`metricKey`). */
  metricHistory?: Record<string, number[]>;
}

/**
 * Lines a service wrote in the longer history before the baseline (the store's hour before,
 * say), by template. A rare line the short baseline happened not to see is known, not new.
 */
export interface LogHistory {
  minutes: number;
  /** service → log template → lines. */
  counts: Record<string, Record<string, number>>;
}

/** Stored lines alike but for their digit and hex runs, counted (see `lineGroupKey`). */
export interface HistoryLogGroup {
  service: string;
  /** One line of the group. */
  body: string;
  count: number;
}

export interface EvidenceOptions {
  bucketMs?: number;
  /** Sampled traces kept per class. */
  tracesPerClass?: number;
  traceIdsPerTemplate?: number;
  /** The services' log lines before the baseline, and how many minutes they cover. */
  history?: { groups: readonly HistoryLogGroup[]; minutes: number };
  /** The operations' per-bucket latency levels over the same history. */
  latencyHistory?: readonly OperationLatencyLevel[];
  /** The metrics' readings over the same history. */
  metricHistory?: readonly MetricPoint[];
}

/**
 * Log template key: the body with its variable-looking tokens (numbers, ids, hex, paths, runs
 * of them) masked the way the ingest's template miner masks them, so lines carrying trace ids
 * or UUIDs still share a template.
 */
export function templateOf(body: string): string {
  const shape = lineShape(body.length > 2000 ? body.slice(0, 2000) : body, defaultMinerOptions);
  let out = '';
  for (const slot of shape.slots) {
    out += slotSeparator(shape, slot);
    out +=
      slot.kind === 'variable' ? '<*>' : slot.kind === 'indexed' ? `${slot.text}<*>` : slot.text;
  }
  return out + shape.tail;
}

export function buildEvidence(
  spans: readonly Span[],
  logs: readonly LogRecord[],
  metrics: readonly MetricPoint[],
  window: EvidenceWindow,
  options: EvidenceOptions = {},
): Evidence {
  const bucketMs = options.bucketMs ?? 10_000;
  const { index, bucketCount, baselineBuckets, leadInStart } = bucketIndex(window, bucketMs);
  const originNs = BigInt(window.baselineStart) * 1_000_000n;
  // Offsets from the window origin fit a double exactly; absolute epoch nanoseconds do not.
  const windowBucketOf = (ns: bigint): number => Math.floor(Number(ns - originNs) / 1e6 / bucketMs);
  const bucketOf = (ns: bigint): number => index[windowBucketOf(ns)] ?? -1;
  const leadInHalfOf = (ns: bigint): 0 | 1 | undefined => {
    if (leadInStart === undefined) return undefined;
    const b = windowBucketOf(ns) - leadInStart;
    return b < 0 || b >= leadInBuckets ? undefined : b < leadInBuckets / 2 ? 0 : 1;
  };
  const services = new Set<string>();
  const templateKey = memoizedTemplates();

  const traces = new Map<string, Span[]>();
  for (const span of spans) {
    let list = traces.get(span.traceId);
    if (!list) traces.set(span.traceId, (list = []));
    list.push(span);
  }
  for (const [traceId, list] of traces) traces.set(traceId, withInferredKinds(list));

  const operations = new Map<string, Map<string, RedBuilder>>();
  const edges = new Map<string, Map<string, EdgeBuilder>>();
  const edge = (caller: string, callee: string): EdgeBuilder => {
    let byCallee = edges.get(caller);
    if (!byCallee) edges.set(caller, (byCallee = new Map()));
    let e = byCallee.get(callee);
    if (!e) byCallee.set(callee, (e = new EdgeBuilder(caller, callee, bucketCount)));
    return e;
  };
  // Client/server matching happens within each trace: small maps, and traces are the unit
  // a PostgreSQL query would return anyway.
  for (const list of traces.values()) {
    const byId = new Map<string, Span>();
    const clients = new Map<string, Span>();
    for (const span of list) {
      byId.set(span.spanId, span);
      if (span.kind === 'CLIENT') clients.set(span.spanId, span);
    }
    const answered = new Set<Span>();
    for (const span of list) {
      if (span.kind !== 'SERVER') continue;
      services.add(span.service);
      const b = bucketOf(span.startTimeUnixNano);
      if (b < 0) continue;
      let byOperation = operations.get(span.service);
      if (!byOperation) operations.set(span.service, (byOperation = new Map()));
      let red = byOperation.get(span.operation);
      if (!red) byOperation.set(span.operation, (red = new RedBuilder(bucketCount)));
      const duration = durationMs(span);
      red.add(b, duration, span.status === 'ERROR');
      const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
      const client = parent && clients.get(parent.spanId);
      if (client) {
        answered.add(client);
        const instance = span.resource['service.instance.id'];
        edge(client.service, span.service).addGap(b, instance, durationMs(client) - duration);
      } else if (parent && parent.service !== span.service) {
        // Called straight from the caller's own server span: the edge exists, its gap is unknown.
        edge(parent.service, span.service);
      }
    }
    for (const span of clients.values()) {
      const peer = span.attributes['peer.service'];
      if (typeof peer !== 'string') continue;
      services.add(span.service).add(peer);
      const b = bucketOf(span.startTimeUnixNano);
      if (b < 0) continue;
      const e = edge(span.service, peer);
      e.client.add(b, durationMs(span), span.status === 'ERROR');
      if (!answered.has(span)) e.unanswered[b] = (e.unanswered[b] ?? 0) + 1;
    }
  }

  return {
    window,
    bucketMs,
    bucketCount,
    baselineBuckets,
    services: [...services].sort(),
    operations: [...operations].flatMap(([service, byOperation]) =>
      [...byOperation].map(([operation, red]) => ({ service, operation, red: red.finish() })),
    ),
    edges: [...edges.values()].flatMap((byCallee) => [...byCallee.values()].map((e) => e.finish())),
    metrics: metricSeries(metrics, bucketOf, bucketCount, {
      from: originNs,
      to: BigInt(window.faultStart) * 1_000_000n,
    }),
    logs: logTemplates(
      logs,
      traces,
      templateKey,
      { bucketOf, leadInHalfOf },
      bucketCount,
      baselineBuckets,
      options,
    ),
    traces: sampleTraces(traces, bucketOf, baselineBuckets, options.tracesPerClass ?? 300),
    callPatterns: callPatterns(
      traces,
      logStepsBySpan(logs, templateKey),
      bucketOf,
      baselineBuckets,
    ),
    ...(options.history && { logHistory: logHistory(options.history, templateKey) }),
    ...(options.latencyHistory && { latencyHistory: latencyHistory(options.latencyHistory) }),
    ...(options.metricHistory && { metricHistory: metricReadings(options.metricHistory) }),
  };
}

function logHistory(
  history: NonNullable<EvidenceOptions['history']>,
  templateKey: (body: string) => string,
): LogHistory {
  const counts: LogHistory['counts'] = {};
  for (const g of history.groups) {
    const byTemplate = (counts[g.service] ??= {});
    const template = templateKey(g.body);
    byTemplate[template] = (byTemplate[template] ?? 0) + g.count;
  }
  return { minutes: history.minutes, counts };
}

/** Request-scoped log lines as steps of the span that wrote them: `log template` by span id. */
function logStepsBySpan(
  logs: readonly LogRecord[],
  templateKey: (body: string) => string,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const log of logs) {
    if (!log.spanId) continue;
    let steps = out.get(log.spanId);
    if (!steps) out.set(log.spanId, (steps = []));
    steps.push(`log ${templateKey(log.body)}`);
  }
  return out;
}

/**
 * The call wrote a line, whichever: lines that carry data (an id, a type name) split into many
 * templates, each taken by a share of calls, so a throw before the first line of every call
 * shows as many small vanishings; counted together it is one step every call took and now skips.
 */
export const anyLogLine = 'log (any line)';

function callPatterns(
  traces: ReadonlyMap<string, readonly Span[]>,
  logSteps: ReadonlyMap<string, readonly string[]>,
  bucketOf: (ns: bigint) => number,
  baselineBuckets: number,
): CallPattern[] {
  const patterns = new Map<string, CallPattern>();
  for (const list of traces.values()) {
    const children = new Map<string, Span[]>();
    for (const span of list) {
      if (!span.parentSpanId) continue;
      let c = children.get(span.parentSpanId);
      if (!c) children.set(span.parentSpanId, (c = []));
      c.push(span);
    }
    for (const span of list) {
      if (span.kind !== 'SERVER') continue;
      const b = bucketOf(span.startTimeUnixNano);
      if (b < 0) continue;
      const w = b < baselineBuckets ? 0 : 1;
      const key = `${span.service}\u0000${span.operation}`;
      let p = patterns.get(key);
      if (!p) {
        p = {
          service: span.service,
          operation: span.operation,
          calls: [0, 0],
          children: {},
          callsWith: {},
        };
        patterns.set(key, p);
      }
      const pattern = p;
      pattern.calls[w]++;
      const seen = new Set<string>();
      const step = (key: string) => {
        (pattern.children[key] ??= [0, 0])[w]++;
        if (!seen.has(key)) {
          seen.add(key);
          (pattern.callsWith[key] ??= [0, 0])[w]++;
        }
      };
      let logged = false;
      const lines = (spanId: string) => {
        for (const line of logSteps.get(spanId) ?? []) {
          step(line);
          logged = true;
        }
      };
      lines(span.spanId);
      // The call's own work: spans of its service below it (and their log lines), and the
      // first span in each callee.
      const stack = [...(children.get(span.spanId) ?? [])];
      for (let child = stack.pop(); child; child = stack.pop()) {
        step(`${child.service} ${child.operation}`);
        if (child.service === span.service && child.kind !== 'SERVER') {
          lines(child.spanId);
          stack.push(...(children.get(child.spanId) ?? []));
        }
      }
      if (logged) step(anyLogLine);
    }
  }
  return [...patterns.values()];
}

/**
 * Span kinds where the sender left them out (INTERNAL or unspecified), from where the parent and
 * children run: a span entered from another service (or a root) is SERVER; one with a child in
 * another service is CLIENT, calling that child's service. A CLIENT span sent as such keeps its
 * attributes: without `peer.service` its edge and gap still come from the matched server span.
 */
export function withInferredKinds(trace: readonly Span[]): Span[] {
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const peerOf = new Map<string, string>();
  for (const s of trace) {
    const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
    if (parent && parent.service !== s.service && !peerOf.has(parent.spanId)) {
      peerOf.set(parent.spanId, s.service);
    }
  }
  return trace.map((s) => {
    if (s.kind !== 'INTERNAL') return s;
    const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
    if (!parent || parent.service !== s.service) return { ...s, kind: 'SERVER' };
    const peer = peerOf.get(s.spanId);
    if (!peer) return s;
    return { ...s, kind: 'CLIENT', attributes: { ...s.attributes, 'peer.service': peer } };
  });
}

function durationMs(span: Span): number {
  return Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6;
}

class RedBuilder {
  readonly calls: number[];
  readonly errors: number[];
  private readonly durations: number[][];

  constructor(buckets: number) {
    this.calls = new Array<number>(buckets).fill(0);
    this.errors = new Array<number>(buckets).fill(0);
    this.durations = Array.from({ length: buckets }, () => []);
  }

  add(bucket: number, ms: number, error: boolean): void {
    this.calls[bucket] = (this.calls[bucket] ?? 0) + 1;
    if (error) this.errors[bucket] = (this.errors[bucket] ?? 0) + 1;
    this.durations[bucket]?.push(ms);
  }

  finish(): RedSeries {
    const sorted = this.durations.map((d) => d.sort((a, b) => a - b));
    return {
      calls: this.calls,
      errors: this.errors,
      meanMs: sorted.map((d) => (d.length ? d.reduce((s, x) => s + x, 0) / d.length : null)),
      p50Ms: sorted.map((d) => quantileSorted(d, 0.5)),
      p95Ms: sorted.map((d) => quantileSorted(d, 0.95)),
      p99Ms: sorted.map((d) => quantileSorted(d, 0.99)),
    };
  }
}

function quantileSorted(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
}

class MeanBuilder {
  private readonly sum: number[];
  private readonly count: number[];

  constructor(buckets: number) {
    this.sum = new Array<number>(buckets).fill(0);
    this.count = new Array<number>(buckets).fill(0);
  }

  add(bucket: number, value: number): void {
    this.sum[bucket] = (this.sum[bucket] ?? 0) + value;
    this.count[bucket] = (this.count[bucket] ?? 0) + 1;
  }

  finish(): Series {
    return this.sum.map((s, i) => {
      const n = this.count[i] ?? 0;
      return n ? s / n : null;
    });
  }
}

class EdgeBuilder {
  readonly client: RedBuilder;
  readonly unanswered: number[];
  private readonly gap: MeanBuilder;
  private readonly gapByInstance = new Map<string, MeanBuilder>();

  constructor(
    readonly caller: string,
    readonly callee: string,
    private readonly buckets: number,
  ) {
    this.client = new RedBuilder(buckets);
    this.unanswered = new Array<number>(buckets).fill(0);
    this.gap = new MeanBuilder(buckets);
  }

  addGap(bucket: number, instance: string, ms: number): void {
    this.gap.add(bucket, ms);
    let byInstance = this.gapByInstance.get(instance);
    if (!byInstance) this.gapByInstance.set(instance, (byInstance = new MeanBuilder(this.buckets)));
    byInstance.add(bucket, ms);
  }

  finish(): EdgeSeries {
    return {
      caller: this.caller,
      callee: this.callee,
      client: this.client.finish(),
      gapMs: this.gap.finish(),
      gapMsByInstance: Object.fromEntries(
        [...this.gapByInstance].map(([instance, m]) => [instance, m.finish()]),
      ),
      unanswered: this.unanswered,
    };
  }
}

/** One metric series' key: its service, instance and name. */
export function metricKey(series: { service: string; instance: string; name: string }): string {
  return `${series.service}\u0000${series.instance}\u0000${series.name}`;
}

/** Each series' readings, by `metricKey`. */
function metricReadings(points: readonly MetricPoint[]): Record<string, number[]> {
  const readings: Record<string, number[]> = {};
  for (const point of points) (readings[metricKey(point)] ??= []).push(point.value);
  return readings;
}

function metricSeries(
  metrics: readonly MetricPoint[],
  bucketOf: (ns: bigint) => number,
  buckets: number,
  baseline: { from: bigint; to: bigint },
): MetricSeries[] {
  const series = new Map<string, { point: MetricPoint; mean: MeanBuilder }>();
  const held = new Map<string, MetricPoint>();
  for (const point of metrics) {
    // A point stamped at a slice end describes the slice before it.
    const at = point.timeUnixNano - 1_000_000n;
    const key = metricKey(point);
    const last = held.get(key);
    if (
      at >= baseline.from &&
      at < baseline.to &&
      (!last || point.timeUnixNano > last.timeUnixNano)
    )
      held.set(key, point);
    const b = bucketOf(at);
    if (b < 0) continue;
    let s = series.get(key);
    if (!s) series.set(key, (s = { point, mean: new MeanBuilder(buckets) }));
    s.mean.add(b, point.value);
  }
  return [...series].map(([key, { point, mean }]) => {
    const level = held.get(key)?.value;
    return {
      service: point.service,
      instance: point.instance,
      name: point.name,
      values: mean.finish(),
      ...(level !== undefined && { held: level }),
    };
  });
}

/** Deterministic pseudo-random rank of a trace id: keeping the lowest K is a fair sample. */
function traceHash(traceId: string): number {
  return parseInt(traceId.slice(0, 8), 16) || 0;
}

/** Keeps the K items with the lowest hash, so samples agree across templates and classes. */
class BottomK<T> {
  private readonly items: { hash: number; item: T }[] = [];

  constructor(private readonly k: number) {}

  accepts(hash: number): boolean {
    const last = this.items[this.items.length - 1];
    return this.items.length < this.k || !last || hash < last.hash;
  }

  offer(hash: number, item: T): void {
    if (!this.accepts(hash)) return;
    let i = this.items.length;
    while (i > 0 && (this.items[i - 1]?.hash ?? 0) > hash) i--;
    this.items.splice(i, 0, { hash, item });
    if (this.items.length > this.k) this.items.pop();
  }

  values(): T[] {
    return this.items.map((x) => x.item);
  }
}

function logTemplates(
  logs: readonly LogRecord[],
  traces: ReadonlyMap<string, readonly Span[]>,
  templateKey: (body: string) => string,
  {
    bucketOf,
    leadInHalfOf,
  }: { bucketOf: (ns: bigint) => number; leadInHalfOf: (ns: bigint) => 0 | 1 | undefined },
  buckets: number,
  baselineBuckets: number,
  options: EvidenceOptions,
): Evidence['logs'] {
  const k = options.traceIdsPerTemplate ?? 20;
  const out: Evidence['logs'] = {};
  const samples = new Map<LogTemplateSeries, BottomK<string>>();
  const severityRank: Record<string, number> = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 };
  const byTrace = new Map<string, Map<string, Span>>();
  const spansById = (traceId: string) => {
    let byId = byTrace.get(traceId);
    if (!byId)
      byTrace.set(traceId, (byId = new Map(traces.get(traceId)?.map((x) => [x.spanId, x]))));
    return byId;
  };
  const leadIn = new Map<string, [number, number]>();
  for (const log of logs) {
    const half = leadInHalfOf(log.timeUnixNano);
    if (half !== undefined) {
      const key = `${log.service}\u0000${templateKey(log.body)}`;
      let halves = leadIn.get(key);
      if (!halves) leadIn.set(key, (halves = [0, 0]));
      halves[half]++;
    }
    const b = bucketOf(log.timeUnixNano);
    if (b < 0) continue;
    const byTemplate = (out[log.service] ??= {});
    const template = templateKey(log.body);
    let series = byTemplate[template];
    if (!series) {
      series = {
        severity: log.severityText,
        counts: new Array<number>(buckets).fill(0),
        operations: {},
        traceIds: [],
      };
      byTemplate[template] = series;
      samples.set(series, new BottomK(k));
    }
    if ((severityRank[log.severityText] ?? 0) > (severityRank[series.severity] ?? 0)) {
      series.severity = log.severityText;
    }
    series.counts[b] = (series.counts[b] ?? 0) + 1;
    const span = log.traceId ? serverSpanOf(spansById(log.traceId), log.spanId) : undefined;
    if (span) series.operations[span.operation] = (series.operations[span.operation] ?? 0) + 1;
    if (log.traceId && b >= baselineBuckets) {
      samples.get(series)?.offer(traceHash(log.traceId), log.traceId);
    }
  }
  for (const [series, sample] of samples) series.traceIds = sample.values();
  for (const [service, byTemplate] of Object.entries(out)) {
    for (const [template, series] of Object.entries(byTemplate)) {
      const halves = leadIn.get(`${service}\u0000${template}`);
      if (halves) series.leadIn = halves;
    }
  }
  return out;
}

/**
 * `templateOf` with a cache keyed by the line with its digit and hex runs blanked: lines that
 * differ only there (ids, times, counts) are the same template to the miner too, and masking a
 * line costs far more than a lookup (1.5 s for 9k lines of a real window without the cache).
 * A line cut inside its list is keyed up to the list's first item (`lineBeforeItsCut`).
 */
function memoizedTemplates(): (body: string) => string {
  const cache = new Map<string, string>();
  return (body) => {
    const key = lineGroupKey(body);
    let template = cache.get(key);
    if (template === undefined) cache.set(key, (template = lineBeforeItsCut(templateOf(body))));
    return template;
  };
}

/**
 * A line with its digit and hex runs blanked; the store groups history lines by the same
 * key in SQL (`historyLogGroups`), so a group's one line stands for all of them.
 */
export function lineGroupKey(body: string): string {
  return body.slice(0, 2000).replace(/[0-9a-fA-F]*[0-9][0-9a-fA-F]*/g, '0');
}

/** The SERVER span a log line was written under: its own span, or the nearest such ancestor. */
function serverSpanOf(trace: ReadonlyMap<string, Span>, spanId: string | undefined) {
  let span = spanId ? trace.get(spanId) : undefined;
  for (let hops = 0; span && span.kind !== 'SERVER' && hops < 32; hops++) {
    const parentId = span.parentSpanId;
    span = parentId ? trace.get(parentId) : undefined;
  }
  return span;
}

function sampleTraces(
  traces: ReadonlyMap<string, readonly Span[]>,
  bucketOf: (ns: bigint) => number,
  baselineBuckets: number,
  perClass: number,
): Evidence['traces'] {
  const baseline = new Map<string, number[]>();
  const fault: { root: Span; spans: readonly Span[] }[] = [];
  for (const list of traces.values()) {
    const root = list.find((s) => s.parentSpanId === undefined);
    if (!root) continue;
    const b = bucketOf(root.startTimeUnixNano);
    if (b < 0) continue;
    if (b < baselineBuckets) {
      const key = `${root.service}\u0000${root.operation}`;
      let durations = baseline.get(key);
      if (!durations) baseline.set(key, (durations = []));
      durations.push(durationMs(root));
    } else {
      fault.push({ root, spans: list });
    }
  }
  const thresholds = new Map<string, number>();
  for (const [key, durations] of baseline) {
    durations.sort((a, b) => a - b);
    thresholds.set(key, quantileSorted(durations, 0.99) ?? Infinity);
  }
  const normal = new BottomK<SampledTrace>(perClass);
  const abnormal = new BottomK<SampledTrace>(perClass);
  for (const { root, spans: list } of fault) {
    const duration = durationMs(root);
    const threshold = thresholds.get(`${root.service}\u0000${root.operation}`) ?? Infinity;
    const error = root.status === 'ERROR';
    const sample = error || duration > threshold ? abnormal : normal;
    const hash = traceHash(root.traceId);
    if (!sample.accepts(hash)) continue;
    sample.offer(hash, {
      traceId: root.traceId,
      rootOperation: root.operation,
      durationMs: duration,
      error,
      spans: list.map(summarize),
    });
  }
  return { normal: normal.values(), abnormal: abnormal.values() };
}

function summarize(span: Span): TraceSpanSummary {
  const peer = span.attributes['peer.service'];
  return {
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    service: span.service,
    operation: span.operation,
    kind: span.kind,
    instance: span.resource['service.instance.id'],
    peerService: typeof peer === 'string' ? peer : undefined,
    durationMs: durationMs(span),
    error: span.status === 'ERROR',
  };
}
