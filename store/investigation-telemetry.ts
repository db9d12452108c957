import type {
  LogRecord,
  MetricPoint,
  Resource,
  SeverityText,
  Span,
  SpanKind,
} from '../simulator/telemetry';
import type { Pool } from './db';
import { historyBudgetMs, readWithinBudget } from './statement-budget';

export interface TelemetryWindow {
  from: Date;
  to: Date;
}

/** What an investigation loads at most; beyond it, whole traces are sampled by trace id. */
export interface TelemetryBudget {
  maxSpans: number;
  maxLogs: number;
  maxMetricPoints: number;
}

export const defaultTelemetryBudget: TelemetryBudget = {
  maxSpans: 200_000,
  maxLogs: 50_000,
  maxMetricPoints: 50_000,
};

export interface WindowTelemetry {
  spans: Span[];
  logs: LogRecord[];
  metrics: MetricPoint[];
  /** Fraction of traces loaded (1 = all): RED ratios and quantiles stay unbiased under it. */
  traceSampleRatio: number;
}

// OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
const kinds: Record<number, SpanKind> = { 2: 'SERVER', 5: 'SERVER', 3: 'CLIENT', 4: 'CLIENT' };

function severityText(n: number): SeverityText {
  if (n >= 17) return 'ERROR';
  if (n >= 13) return 'WARN';
  if (n >= 9) return 'INFO';
  return 'DEBUG';
}

function resourceOf(
  service: string,
  raw: Record<string, unknown> | null,
  pod: string | null,
  host: string | null,
): Resource {
  const attr = (k: string) => (typeof raw?.[k] === 'string' ? (raw[k] as string) : undefined);
  const instance =
    attr('service.instance.id') ??
    pod ??
    attr('k8s.pod.name') ??
    host ??
    attr('host.name') ??
    service;
  return {
    'service.name': service,
    'service.version': attr('service.version') ?? '',
    'service.instance.id': instance,
    'host.name': host ?? attr('host.name') ?? '',
    'k8s.pod.name': pod ?? attr('k8s.pod.name') ?? instance,
  };
}

const levelWords: Record<string, number> = {
  TRACE: 1,
  DEBUG: 5,
  INFO: 9,
  NOTICE: 10,
  WARN: 13,
  WARNING: 13,
  ERROR: 17,
  SEVERE: 17,
  FATAL: 21,
  CRITICAL: 21,
};
const levelPattern =
  /(?:^|[\s[|:=])(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|SEVERE|FATAL|CRITICAL)(?=$|[\s\]|:,])/;

/**
 * The severity a record was sent with or, when it came without one (plain-text lines that a
 * Collector forwards as they are), the level word written near the start of its text.
 */
export function severityOf(severityNumber: number, body: string): number {
  if (severityNumber > 0) return severityNumber;
  const level = levelPattern.exec(body.slice(0, 80))?.[1];
  return level ? (levelWords[level.toUpperCase()] ?? 0) : 0;
}

/** Small dictionaries the row queries reference by id, joined in memory (not once per row). */
interface Dictionaries {
  services: Map<number, string>;
  operations: Map<number, string>;
  resources: ResourceCache;
  sources: Map<string, Record<string, unknown> | null>;
}

async function loadDictionaries(pool: Pool): Promise<Omit<Dictionaries, 'sources' | 'resources'>> {
  const [services, operations] = await Promise.all([
    pool.query<[number, string]>({ text: 'SELECT id, name FROM services', rowMode: 'array' }),
    pool.query<[number, string]>({ text: 'SELECT id, name FROM operations', rowMode: 'array' }),
  ]);
  return { services: new Map(services.rows), operations: new Map(operations.rows) };
}

/** The resources of the sources the rows name (a few per pod, however many rows). */
async function loadSources(
  pool: Pool,
  ids: ReadonlySet<string>,
): Promise<Map<string, Record<string, unknown> | null>> {
  if (!ids.size) return new Map();
  const { rows } = await pool.query<[string, Record<string, unknown> | null]>({
    text: 'SELECT id, resource FROM telemetry_sources WHERE id = ANY($1::bigint[])',
    values: [[...ids]],
    rowMode: 'array',
  });
  return new Map(rows);
}

/** Resources by service, source, pod and host, nested: a row's lookup builds no key string. */
type ResourceCache = Map<
  string,
  Map<string | null, Map<string | null, Map<string | null, Resource>>>
>;

function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** One Resource object per (service, source, pod, host): rows share it instead of rebuilding it. */
function resourceFor(
  d: Dictionaries,
  service: string,
  sourceId: string | null,
  pod: string | null,
  host: string | null,
): Resource {
  const bySource = entry(d.resources, service, () => new Map());
  const byPod = entry(bySource, sourceId, () => new Map());
  const byHost = entry(byPod, pod, () => new Map<string | null, Resource>());
  return entry(byHost, host, () =>
    resourceOf(service, (sourceId && d.sources.get(sourceId)) || null, pod, host),
  );
}

const named = (names: ReadonlyMap<number, string>, id: number, what: string): string => {
  const name = names.get(id);
  if (name === undefined) throw new Error(`stored row names ${what} ${id}, which is not stored`);
  return name;
};

type SpanRow = [
  startUs: string,
  durationNs: string,
  traceId: string,
  spanId: string,
  parentSpanId: string | null,
  serviceId: number,
  operationId: number,
  kind: number,
  statusCode: number,
  httpStatus: number | null,
  peerService: string | null,
  dbSystem: string | null,
  k8sPod: string | null,
  host: string | null,
  sourceId: string,
];

type LogRow = [
  timeUs: string,
  serviceId: number,
  severityNumber: number,
  body: string | null,
  traceId: string | null,
  spanId: string | null,
  sourceId: string,
];

/** A stored metric point as `metricColumns` selects it. */
export type MetricRow = [
  timeUs: string,
  serviceId: number,
  name: string,
  unit: string,
  value: number | null,
  sourceId: string,
];

/** The columns of a `MetricRow`, from `metric_points mp JOIN metrics m`. */
export const metricColumns = `(extract(epoch FROM mp.time) * 1e6)::bigint, mp.service_id, m.name,
         m.unit, coalesce(mp.value, mp.int_value::double precision), mp.source_id`;

/** Metric rows as the points the methods read; a row without a value is no reading. */
function toMetricPoints(d: Dictionaries, rows: readonly MetricRow[]): MetricPoint[] {
  return rows
    .filter((r) => r[4] !== null)
    .map((r) => {
      const service = named(d.services, r[1], 'service');
      const resource = resourceFor(d, service, r[5], null, null);
      return {
        timeUnixNano: BigInt(r[0]) * 1000n,
        service,
        instance: resource['service.instance.id'],
        name: r[2],
        unit: r[3],
        value: r[4]!,
        resource,
      };
    });
}

/** Metric rows read on their own, with the services and resources they name joined. */
export async function metricPointsOf(
  pool: Pool,
  rows: readonly MetricRow[],
): Promise<MetricPoint[]> {
  if (!rows.length) return [];
  const [names, sources] = await Promise.all([
    loadDictionaries(pool),
    loadSources(pool, new Set(rows.map((r) => r[5]))),
  ]);
  return toMetricPoints({ ...names, sources, resources: new Map() }, rows);
}

/**
 * Loads a window's spans, logs and metric points in the shape the root-cause methods read.
 * When the window holds more spans than the budget, whole traces are sampled by the first
 * byte of their id, so every loaded trace is complete. Rows come as ids and arrays; services,
 * operations and resources are joined here from their small dictionaries, and ids come as hex
 * text: per-row joins and bytea decoding were most of an investigation's time.
 */
export async function loadWindowTelemetry(
  pool: Pool,
  window: TelemetryWindow,
  budget: TelemetryBudget = defaultTelemetryBudget,
): Promise<WindowTelemetry> {
  const range = [window.from, window.to];
  const { rows: countRows } = await pool.query<{ calls: string | null }>(
    'SELECT sum(calls) AS calls FROM rollup_operations WHERE bucket >= $1 AND bucket < $2',
    range,
  );
  const estimated = Number(countRows[0]?.calls ?? 0);
  const ratio = estimated > budget.maxSpans ? budget.maxSpans / estimated : 1;
  const byteLimit = Math.max(1, Math.min(256, Math.floor(256 * ratio)));

  const [spans, logs, metrics] = await Promise.all([
    pool.query<SpanRow>({
      // Whole numbers past int4 come as text: pg checks each int8 with a regular expression.
      text: `SELECT (extract(epoch FROM start_time) * 1e6)::bigint::text, duration_ns::text,
         encode(trace_id, 'hex'), encode(span_id, 'hex'), encode(parent_span_id, 'hex'),
         service_id, operation_id, kind, status_code, http_status, peer_service, db_system,
         k8s_pod, host, source_id::text
       FROM spans
       WHERE start_time >= $1 AND start_time < $2 AND get_byte(trace_id, 0) < $3
       LIMIT $4`,
      values: [...range, byteLimit, budget.maxSpans * 2],
      rowMode: 'array',
    }),
    pool.query<LogRow>({
      text: `SELECT (extract(epoch FROM time) * 1e6)::bigint, service_id, severity_number,
         coalesce(body, body_value::text), encode(trace_id, 'hex'), encode(span_id, 'hex'),
         source_id
       FROM logs
       WHERE time >= $1 AND time < $2 AND (trace_id IS NULL OR get_byte(trace_id, 0) < $3)
       ORDER BY time
       LIMIT $4`,
      values: [...range, byteLimit, budget.maxLogs],
      rowMode: 'array',
    }),
    pool.query<MetricRow>({
      text: `SELECT ${metricColumns}
       FROM metric_points mp
       JOIN metrics m ON m.id = mp.metric_id
       WHERE mp.time >= $1 AND mp.time < $2
       ORDER BY mp.time
       LIMIT $3`,
      values: [...range, budget.maxMetricPoints],
      rowMode: 'array',
    }),
  ]);
  const sourceIds = new Set<string>();
  for (const r of spans.rows) sourceIds.add(r[14]);
  for (const r of logs.rows) sourceIds.add(r[6]);
  for (const r of metrics.rows) sourceIds.add(r[5]);
  // Read after the rows, so every id they name is already in the dictionaries.
  const [names, sources] = await Promise.all([
    loadDictionaries(pool),
    loadSources(pool, sourceIds),
  ]);
  const d: Dictionaries = { ...names, sources, resources: new Map() };

  return {
    traceSampleRatio: byteLimit / 256,
    spans: spans.rows.map((r) => {
      const start = BigInt(r[0]) * 1000n;
      const service = named(d.services, r[5], 'service');
      const attributes: Record<string, string | number> = {};
      if (r[9] !== null) attributes['http.status_code'] = r[9];
      if (r[10]) attributes['peer.service'] = r[10];
      if (r[11]) attributes['db.system'] = r[11];
      return {
        traceId: r[2],
        spanId: r[3],
        parentSpanId: r[4] || undefined,
        service,
        operation: named(d.operations, r[6], 'operation'),
        kind: kinds[r[7]] ?? 'INTERNAL',
        startTimeUnixNano: start,
        endTimeUnixNano: start + BigInt(r[1]),
        status: r[8] === 2 ? 'ERROR' : r[8] === 1 ? 'OK' : 'UNSET',
        attributes,
        resource: resourceFor(d, service, r[14], r[12], r[13]),
      };
    }),
    logs: logs.rows.map((r) => {
      const body = r[3] ?? '';
      const severity = severityOf(r[2], body);
      const service = named(d.services, r[1], 'service');
      return {
        timeUnixNano: BigInt(r[0]) * 1000n,
        service,
        severityText: severityText(severity),
        severityNumber: severity,
        body,
        traceId: r[4] ?? undefined,
        spanId: r[5] ?? undefined,
        resource: resourceFor(d, service, r[6], null, null),
      };
    }),
    metrics: toMetricPoints(d, metrics.rows),
  };
}

/** History groups read at most; lines of groups beyond it count as unseen, as with no history. */
export const historyGroupLimit = 20_000;

const minuteMs = 60_000;

/**
 * The log lines stored in a span of time (the history before an investigation's baseline),
 * grouped by service and by the line with its digit and hex runs blanked, as `lineGroupKey`
 * (activities/rca/evidence.ts) blanks them: an hour of lines comes back as a few hundred
 * groups, each with its least line and its count. Whole minutes are read from the groups rolled
 * up as the lines were stored (`rollup_log_lines`); the partial minutes at either end, from the
 * lines themselves, grouped by the same SQL functions.
 */
export async function historyLogGroups(
  pool: Pool,
  window: TelemetryWindow,
  { limit = historyGroupLimit, budgetMs = historyBudgetMs } = {},
): Promise<{ service: string; body: string; count: number }[]> {
  const from = window.from.getTime();
  const to = Math.max(from, window.to.getTime());
  const wholeFrom = Math.min(Math.ceil(from / minuteMs) * minuteMs, to);
  const wholeTo = Math.max(wholeFrom, Math.floor(to / minuteMs) * minuteMs);
  // A history that cannot be read in time is worth less than the investigation's own pace.
  const rows = await readWithinBudget(pool, budgetMs, async (client) => {
    const result = await client.query<[number, string, string]>({
      text: `SELECT service_id, min(line), sum(lines)
         FROM (SELECT service_id, line_key, line, lines FROM rollup_log_lines
                WHERE bucket >= $2 AND bucket < $3
               UNION ALL
               SELECT service_id, log_line_key(line), line, 1
                 FROM (SELECT service_id, log_line_text(body, body_value) AS line
                         FROM logs
                        WHERE (time >= $1 AND time < $2) OR (time >= $3 AND time < $4)) l) g
         GROUP BY service_id, line_key
         LIMIT $5`,
      values: [new Date(from), new Date(wholeFrom), new Date(wholeTo), new Date(to), limit],
      rowMode: 'array',
    });
    return result.rows;
  });
  if (!rows.length) return [];
  const { services } = await loadDictionaries(pool);
  return rows.map((r) => ({
    service: named(services, r[0], 'service'),
    body: r[1],
    count: Number(r[2]),
  }));
}
