import type { Pool } from '../db';
import type { TimeWindow } from './traces';

export interface LogQuery extends TimeWindow {
  service?: string;
  /** Hex trace id: the logs written while serving one trace. */
  traceId?: string;
  /** OTLP severity number (9 info, 13 warn, 17 error, 21 fatal) and above. */
  minSeverity?: number;
  limit?: number;
}

export interface StoredLog {
  time: Date;
  service: string;
  severityNumber: number;
  severityText: string | null;
  /** The body: text, or the structured value of a non-text body. */
  body: unknown;
  traceId: string | null;
  spanId: string | null;
  eventName: string | null;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

/** Log records of a window, newest first, optionally of one service, trace or severity. */
export async function queryLogs(pool: Pool, q: LogQuery): Promise<StoredLog[]> {
  const { rows } = await pool.query<{
    time: Date;
    service: string;
    severity_number: number;
    severity_text: string | null;
    body: string | null;
    body_value: unknown;
    trace_id: Buffer | null;
    span_id: Buffer | null;
    event_name: string | null;
    attributes: Record<string, unknown> | null;
    resource: Record<string, unknown>;
  }>(
    `SELECT l.time, s.name AS service, l.severity_number, l.severity_text, l.body, l.body_value,
            l.trace_id, l.span_id, l.event_name, l.attributes, src.resource
       FROM logs l
       JOIN services s ON s.id = l.service_id
       JOIN telemetry_sources src ON src.id = l.source_id
      WHERE l.time >= $1 AND l.time < $2
        AND ($3::text IS NULL OR s.name = $3)
        AND ($4::bytea IS NULL OR l.trace_id = $4)
        AND ($5::int2 IS NULL OR l.severity_number >= $5)
      ORDER BY l.time DESC
      LIMIT $6`,
    [
      q.from,
      q.to,
      q.service ?? null,
      q.traceId ? Buffer.from(q.traceId, 'hex') : null,
      q.minSeverity ?? null,
      q.limit ?? 1000,
    ],
  );
  return rows.map((r) => ({
    time: r.time,
    service: r.service,
    severityNumber: r.severity_number,
    severityText: r.severity_text,
    body: r.body ?? r.body_value,
    traceId: r.trace_id ? r.trace_id.toString('hex') : null,
    spanId: r.span_id ? r.span_id.toString('hex') : null,
    eventName: r.event_name,
    attributes: r.attributes ?? {},
    resource: r.resource,
  }));
}
