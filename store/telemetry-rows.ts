import type { CopyEncoder, Int64Bits } from './telemetry-copy';

/**
 * The rows of the raw telemetry tables and their binary COPY encodings. Column lists and
 * encoders sit side by side because their order must match exactly. Strings must already be
 * free of NUL characters; JSON fields are JSON text.
 */

export interface SpanRow {
  startUs: number;
  durationNs: number;
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array | null;
  serviceId: number;
  operationId: number;
  kind: number;
  statusCode: number;
  statusMessage: string | null;
  httpStatus: number | null;
  peerService: string | null;
  dbSystem: string | null;
  k8sNamespace: string | null;
  k8sPod: string | null;
  k8sDeployment: string | null;
  host: string | null;
  sourceId: number;
  traceState: string | null;
  flags: number | null;
  /** JSON bytes, written by the span wire decoder. */
  attributes: Uint8Array | null;
  events: string | null;
  links: string | null;
  dropped: string | null;
}

export const spanColumns = [
  'start_time',
  'duration_ns',
  'trace_id',
  'span_id',
  'parent_span_id',
  'service_id',
  'operation_id',
  'kind',
  'status_code',
  'status_message',
  'http_status',
  'peer_service',
  'db_system',
  'k8s_namespace',
  'k8s_pod',
  'k8s_deployment',
  'host',
  'source_id',
  'trace_state',
  'flags',
  'attributes',
  'events',
  'links',
  'dropped',
] as const;

export function encodeSpan(e: CopyEncoder, r: SpanRow): void {
  e.row(spanColumns.length);
  e.timestamptz(r.startUs);
  e.int8(r.durationNs);
  e.bytea(r.traceId);
  e.bytea(r.spanId);
  e.byteaOrNull(r.parentSpanId);
  e.int4(r.serviceId);
  e.int4(r.operationId);
  e.int2(r.kind);
  e.int2(r.statusCode);
  e.textOrNull(r.statusMessage);
  e.int2OrNull(r.httpStatus);
  e.textOrNull(r.peerService);
  e.textOrNull(r.dbSystem);
  e.textOrNull(r.k8sNamespace);
  e.textOrNull(r.k8sPod);
  e.textOrNull(r.k8sDeployment);
  e.textOrNull(r.host);
  e.int8(r.sourceId);
  e.textOrNull(r.traceState);
  e.int4OrNull(r.flags);
  if (r.attributes === null) e.null();
  else e.jsonbBytes(r.attributes);
  e.jsonbOrNull(r.events);
  e.jsonbOrNull(r.links);
  e.jsonbOrNull(r.dropped);
}

export interface LogRow {
  timeUs: number;
  observedTimeUs: number | null;
  serviceId: number;
  severityNumber: number;
  severityText: string | null;
  body: string | null;
  bodyValue: string | null;
  traceId: Uint8Array | null;
  spanId: Uint8Array | null;
  flags: number | null;
  eventName: string | null;
  sourceId: number;
  attributes: string | null;
  droppedAttributes: number | null;
  /** Set at ingest by the log template miner (string bodies only). */
  templateId: string | null;
}

export const logColumns = [
  'time',
  'observed_time',
  'service_id',
  'severity_number',
  'severity_text',
  'body',
  'body_value',
  'trace_id',
  'span_id',
  'flags',
  'event_name',
  'source_id',
  'attributes',
  'dropped_attributes',
  'template_id',
] as const;

export function encodeLog(e: CopyEncoder, r: LogRow): void {
  e.row(logColumns.length);
  e.timestamptz(r.timeUs);
  if (r.observedTimeUs === null) e.null();
  else e.timestamptz(r.observedTimeUs);
  e.int4(r.serviceId);
  e.int2(r.severityNumber);
  e.textOrNull(r.severityText);
  e.textOrNull(r.body);
  e.jsonbOrNull(r.bodyValue);
  e.byteaOrNull(r.traceId);
  e.byteaOrNull(r.spanId);
  e.int4OrNull(r.flags);
  e.textOrNull(r.eventName);
  e.int8(r.sourceId);
  e.jsonbOrNull(r.attributes);
  e.int4OrNull(r.droppedAttributes);
  e.textOrNull(r.templateId);
}

export interface MetricPointRow {
  timeUs: number;
  startTimeUs: number | null;
  metricId: number;
  serviceId: number;
  sourceId: number;
  value: number | null;
  intValue: Int64Bits | null; // exact int64
  count: number | null;
  flags: number | null;
  attributes: string | null;
  detail: string | null;
  exemplars: string | null;
}

export const metricPointColumns = [
  'time',
  'start_time',
  'metric_id',
  'service_id',
  'source_id',
  'value',
  'int_value',
  'count',
  'flags',
  'attributes',
  'detail',
  'exemplars',
] as const;

export function encodeMetricPoint(e: CopyEncoder, r: MetricPointRow): void {
  e.row(metricPointColumns.length);
  e.timestamptz(r.timeUs);
  if (r.startTimeUs === null) e.null();
  else e.timestamptz(r.startTimeUs);
  e.int4(r.metricId);
  e.int4(r.serviceId);
  e.int8(r.sourceId);
  e.float8OrNull(r.value);
  if (r.intValue === null) e.null();
  else e.int8Bits(r.intValue);
  e.int8OrNull(r.count);
  e.int4OrNull(r.flags);
  e.jsonbOrNull(r.attributes);
  e.jsonbOrNull(r.detail);
  e.jsonbOrNull(r.exemplars);
}
