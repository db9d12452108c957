import type { Pool } from '../db';
import { queryBounds } from '../query-bounds';

/** A stored span as investigations read it: names resolved, promoted attributes folded back. */
export interface TraceSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  operation: string;
  kind: number;
  startTime: Date;
  durationNs: number;
  statusCode: number;
  statusMessage: string | null;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  events: unknown[];
  links: unknown[];
}

export interface TimeWindow {
  from: Date;
  to: Date;
}

interface SpanRecord {
  trace_id: Buffer;
  span_id: Buffer;
  parent_span_id: Buffer | null;
  service: string;
  operation: string;
  kind: number;
  start_time: Date;
  duration_ns: string;
  status_code: number;
  status_message: string | null;
  http_status: number | null;
  peer_service: string | null;
  db_system: string | null;
  attributes: Record<string, unknown> | null;
  resource: Record<string, unknown>;
  events: unknown[] | null;
  links: unknown[] | null;
}

function toTraceSpan(r: SpanRecord): TraceSpan {
  const attributes = { ...r.attributes };
  // The columns were attributes under these keys on the wire (ingest/signals/traces.ts).
  if (r.http_status !== null) attributes['http.response.status_code'] = r.http_status;
  if (r.peer_service !== null) attributes['peer.service'] = r.peer_service;
  if (r.db_system !== null) attributes['db.system'] = r.db_system;
  return {
    traceId: r.trace_id.toString('hex'),
    spanId: r.span_id.toString('hex'),
    parentSpanId: r.parent_span_id ? r.parent_span_id.toString('hex') : null,
    service: r.service,
    operation: r.operation,
    kind: r.kind,
    startTime: r.start_time,
    durationNs: Number(r.duration_ns),
    statusCode: r.status_code,
    statusMessage: r.status_message,
    attributes,
    resource: r.resource,
    events: r.events ?? [],
    links: r.links ?? [],
  };
}

/**
 * Every span of a trace, oldest first, up to `queryBounds.maxTraceSpans`. A window (when the trace happened, roughly) lets
 * PostgreSQL skip the partitions outside it; without one every partition's index is probed.
 */
export async function traceById(
  pool: Pool,
  traceId: string,
  window?: TimeWindow,
): Promise<TraceSpan[]> {
  const { rows } = await pool.query<SpanRecord>(
    `SELECT sp.trace_id, sp.span_id, sp.parent_span_id, s.name AS service, o.name AS operation,
            sp.kind, sp.start_time, sp.duration_ns, sp.status_code, sp.status_message,
            sp.http_status, sp.peer_service, sp.db_system, sp.attributes, src.resource,
            sp.events, sp.links
       FROM spans sp
       JOIN services s ON s.id = sp.service_id
       JOIN operations o ON o.id = sp.operation_id
       JOIN telemetry_sources src ON src.id = sp.source_id
      WHERE sp.trace_id = $1
        AND ($2::timestamptz IS NULL OR sp.start_time >= $2)
        AND ($3::timestamptz IS NULL OR sp.start_time < $3)
      ORDER BY sp.start_time, sp.span_id
      LIMIT $4`,
    [
      Buffer.from(traceId, 'hex'),
      window?.from ?? null,
      window?.to ?? null,
      queryBounds.maxTraceSpans,
    ],
  );
  return rows.map(toTraceSpan);
}

/** One trace as seen from one service: its longest span there and how many of its spans failed. */
export interface TraceSummary {
  traceId: string;
  startTime: Date;
  /** Duration of the service's longest span in the trace. */
  durationNs: number;
  operation: string;
  spans: number;
  errors: number;
  /** Status message of one of the failed spans. */
  errorMessage: string | null;
}

export interface ServiceTracesQuery extends TimeWindow {
  service: string;
  limit?: number;
}

const summarySql = (having: string, orderBy: string) => `
  WITH svc AS (SELECT id FROM services WHERE name = $1),
  per_trace AS (
    SELECT sp.trace_id, min(sp.start_time) AS start_time, max(sp.duration_ns) AS duration_ns,
           count(*) AS spans, count(*) FILTER (WHERE sp.status_code = 2) AS errors,
           min(sp.status_message) FILTER (WHERE sp.status_code = 2) AS error_message
      FROM spans sp
     WHERE sp.service_id = (SELECT id FROM svc) AND sp.start_time >= $2 AND sp.start_time < $3
     GROUP BY sp.trace_id ${having}
     ORDER BY ${orderBy} LIMIT $4)
  SELECT p.*, (SELECT o.name FROM spans s2 JOIN operations o ON o.id = s2.operation_id
                WHERE s2.trace_id = p.trace_id AND s2.service_id = (SELECT id FROM svc)
                  AND s2.start_time >= $2 AND s2.start_time < $3
                ORDER BY s2.duration_ns DESC LIMIT 1) AS operation
    FROM per_trace p ORDER BY ${orderBy}`;

interface SummaryRecord {
  trace_id: Buffer;
  start_time: Date;
  duration_ns: string;
  spans: string;
  errors: string;
  error_message: string | null;
  operation: string;
}

async function traceSummaries(pool: Pool, sql: string, q: ServiceTracesQuery) {
  const limit = Math.min(q.limit ?? 20, queryBounds.maxTraceSummaries);
  const { rows } = await pool.query<SummaryRecord>(sql, [q.service, q.from, q.to, limit]);
  return rows.map((r): TraceSummary => ({
    traceId: r.trace_id.toString('hex'),
    startTime: r.start_time,
    durationNs: Number(r.duration_ns),
    operation: r.operation,
    spans: Number(r.spans),
    errors: Number(r.errors),
    errorMessage: r.error_message,
  }));
}

/** The traces in which the service's longest span took longest, slowest first. */
export function slowestTraces(pool: Pool, q: ServiceTracesQuery): Promise<TraceSummary[]> {
  return traceSummaries(pool, summarySql('', 'duration_ns DESC'), q);
}

/** The traces in which the service had failed spans, most failures first, then latest. */
export function erroringTraces(pool: Pool, q: ServiceTracesQuery): Promise<TraceSummary[]> {
  return traceSummaries(
    pool,
    summarySql(
      'HAVING count(*) FILTER (WHERE sp.status_code = 2) > 0',
      'errors DESC, start_time DESC',
    ),
    q,
  );
}
