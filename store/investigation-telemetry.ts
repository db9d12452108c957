import type {
  LogRecord,
  MetricPoint,
  Resource,
  SeverityText,
  Span,
  SpanKind,
} from '../simulator/telemetry';
import type { Pool } from './db';

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

const hex = (b: Buffer | null) => (b ? b.toString('hex') : undefined);

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

/**
 * Loads a window's spans, logs and metric points in the shape the root-cause methods read.
 * When the window holds more spans than the budget, whole traces are sampled by the first
 * byte of their id, so every loaded trace is complete.
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
    pool.query<{
      start_us: string;
      duration_ns: string;
      trace_id: Buffer;
      span_id: Buffer;
      parent_span_id: Buffer | null;
      service: string;
      operation: string;
      kind: number;
      status_code: number;
      http_status: number | null;
      peer_service: string | null;
      db_system: string | null;
      k8s_pod: string | null;
      host: string | null;
      resource: Record<string, unknown> | null;
    }>(
      `SELECT (extract(epoch FROM sp.start_time) * 1e6)::bigint AS start_us, sp.duration_ns,
         sp.trace_id, sp.span_id, sp.parent_span_id, s.name AS service, o.name AS operation,
         sp.kind, sp.status_code, sp.http_status, sp.peer_service, sp.db_system, sp.k8s_pod,
         sp.host, src.resource
       FROM spans sp
       JOIN services s ON s.id = sp.service_id
       JOIN operations o ON o.id = sp.operation_id
       LEFT JOIN telemetry_sources src ON src.id = sp.source_id
       WHERE sp.start_time >= $1 AND sp.start_time < $2 AND get_byte(sp.trace_id, 0) < $3
       LIMIT $4`,
      [...range, byteLimit, budget.maxSpans * 2],
    ),
    pool.query<{
      time_us: string;
      service: string;
      severity_number: number;
      body: string | null;
      trace_id: Buffer | null;
      span_id: Buffer | null;
      resource: Record<string, unknown> | null;
    }>(
      `SELECT (extract(epoch FROM l.time) * 1e6)::bigint AS time_us, s.name AS service,
         l.severity_number, coalesce(l.body, l.body_value::text) AS body, l.trace_id, l.span_id,
         src.resource
       FROM logs l
       JOIN services s ON s.id = l.service_id
       LEFT JOIN telemetry_sources src ON src.id = l.source_id
       WHERE l.time >= $1 AND l.time < $2 AND (l.trace_id IS NULL OR get_byte(l.trace_id, 0) < $3)
       ORDER BY l.time
       LIMIT $4`,
      [...range, byteLimit, budget.maxLogs],
    ),
    pool.query<{
      time_us: string;
      service: string;
      name: string;
      unit: string;
      value: number | null;
      resource: Record<string, unknown> | null;
    }>(
      `SELECT (extract(epoch FROM mp.time) * 1e6)::bigint AS time_us, s.name AS service, m.name,
         m.unit, coalesce(mp.value, mp.int_value::double precision) AS value, src.resource
       FROM metric_points mp
       JOIN services s ON s.id = mp.service_id
       JOIN metrics m ON m.id = mp.metric_id
       LEFT JOIN telemetry_sources src ON src.id = mp.source_id
       WHERE mp.time >= $1 AND mp.time < $2
       ORDER BY mp.time
       LIMIT $3`,
      [...range, budget.maxMetricPoints],
    ),
  ]);

  return {
    traceSampleRatio: byteLimit / 256,
    spans: spans.rows.map((r) => {
      const start = BigInt(r.start_us) * 1000n;
      const attributes: Record<string, string | number> = {};
      if (r.http_status !== null) attributes['http.status_code'] = r.http_status;
      if (r.peer_service) attributes['peer.service'] = r.peer_service;
      if (r.db_system) attributes['db.system'] = r.db_system;
      return {
        traceId: r.trace_id.toString('hex'),
        spanId: r.span_id.toString('hex'),
        parentSpanId: r.parent_span_id?.length ? r.parent_span_id.toString('hex') : undefined,
        service: r.service,
        operation: r.operation,
        kind: kinds[r.kind] ?? 'INTERNAL',
        startTimeUnixNano: start,
        endTimeUnixNano: start + BigInt(r.duration_ns),
        status: r.status_code === 2 ? 'ERROR' : r.status_code === 1 ? 'OK' : 'UNSET',
        attributes,
        resource: resourceOf(r.service, r.resource, r.k8s_pod, r.host),
      };
    }),
    logs: logs.rows.map((r) => {
      const body = r.body ?? '';
      const severity = severityOf(r.severity_number, body);
      return {
        timeUnixNano: BigInt(r.time_us) * 1000n,
        service: r.service,
        severityText: severityText(severity),
        severityNumber: severity,
        body,
        traceId: hex(r.trace_id),
        spanId: hex(r.span_id),
        resource: resourceOf(r.service, r.resource, null, null),
      };
    }),
    metrics: metrics.rows
      .filter((r) => r.value !== null)
      .map((r) => {
        const resource = resourceOf(r.service, r.resource, null, null);
        return {
          timeUnixNano: BigInt(r.time_us) * 1000n,
          service: r.service,
          instance: resource['service.instance.id'],
          name: r.name,
          unit: r.unit,
          value: r.value!,
          resource,
        };
      }),
  };
}
