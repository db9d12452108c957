/**
 * The simulator's output types, kept close to the OpenTelemetry data model (OTLP traces, logs
 * and metrics) so a batch can later be encoded as real OTLP without reshaping.
 */

export type SpanKind = 'SERVER' | 'CLIENT' | 'INTERNAL';
export type StatusCode = 'UNSET' | 'OK' | 'ERROR';
export type AttributeValue = string | number | boolean;

/** Resource attributes of one running instance (pod); shared by every record it emits. */
export interface Resource {
  readonly 'service.name': string;
  readonly 'service.version': string;
  readonly 'service.instance.id': string;
  readonly 'host.name': string;
  readonly 'k8s.pod.name': string;
}

export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  service: string;
  operation: string;
  kind: SpanKind;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  status: StatusCode;
  attributes: Record<string, AttributeValue>;
  resource: Resource;
}

export type SeverityText = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** OTel severity numbers for the texts above. */
export const severityNumber: Record<SeverityText, number> = {
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  ERROR: 17,
};

export interface LogRecord {
  timeUnixNano: bigint;
  service: string;
  severityText: SeverityText;
  severityNumber: number;
  body: string;
  traceId?: string;
  spanId?: string;
  resource: Resource;
}

export interface MetricPoint {
  timeUnixNano: bigint;
  service: string;
  instance: string;
  name: string;
  unit: string;
  value: number;
  resource: Resource;
}

/** One slice of simulated time; batches are yielded in time order of the requests they hold. */
export interface TelemetryBatch {
  fromMs: number;
  toMs: number;
  spans: Span[];
  logs: LogRecord[];
  metrics: MetricPoint[];
}

export function nanosFromMs(ms: number): bigint {
  // Split whole and fractional milliseconds: epoch nanoseconds exceed 2^53.
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}
