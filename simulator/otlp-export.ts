import { opentelemetry } from '../proto/gen/otlp';
import type {
  AttributeValue,
  LogRecord,
  MetricPoint,
  Resource,
  Span,
  TelemetryBatch,
} from './telemetry';

const v1 = opentelemetry.proto;
type KeyValue = opentelemetry.proto.common.v1.KeyValue.$Properties;

/**
 * Epoch nanoseconds as low/high 32-bit words: they exceed a double's exact range. protobufjs
 * encodes any { low, high } object where its types say Long.
 */
function fixed64(ns: bigint): number {
  const words = {
    low: Number(ns & 0xffffffffn),
    high: Number((ns >> 32n) & 0xffffffffn),
    unsigned: true,
  };
  return words as unknown as number;
}

function anyValue(v: AttributeValue): opentelemetry.proto.common.v1.AnyValue.$Properties {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: v } : { doubleValue: v };
}

function attributes(record: Record<string, AttributeValue | undefined>): KeyValue[] {
  return Object.entries(record).flatMap(([key, value]) =>
    value === undefined ? [] : [{ key, value: anyValue(value) }],
  );
}

function groupByResource<T extends { resource: Resource }>(items: readonly T[]): [Resource, T[]][] {
  const groups = new Map<string, [Resource, T[]]>();
  for (const item of items) {
    const key = item.resource['service.instance.id'] + '|' + item.resource['service.name'];
    const group = groups.get(key) ?? [item.resource, []];
    group[1].push(item);
    groups.set(key, group);
  }
  return [...groups.values()];
}

const scope = { name: 'aiops-simulator', version: '1' };

/**
 * Extra resource attributes per emitting instance (e.g. where the demo world deploys it); an
 * attribute set to undefined is left out (e.g. the pod name of a service that runs on a host).
 */
export type ResourceDecorator = (resource: Resource) => Record<string, AttributeValue | undefined>;
const undecorated: ResourceDecorator = () => ({});
const spanKinds = { SERVER: 2, CLIENT: 3, INTERNAL: 1 } as const;
const statusCodes = { UNSET: 0, OK: 1, ERROR: 2 } as const;
const hexBytes = (hex: string) => Buffer.from(hex, 'hex');

export function encodeTraces(spans: readonly Span[], decorate = undecorated): Uint8Array {
  return v1.collector.trace.v1.ExportTraceServiceRequest.encode({
    resourceSpans: groupByResource(spans).map(([resource, list]) => ({
      resource: { attributes: attributes({ ...resource, ...decorate(resource) }) },
      scopeSpans: [
        {
          scope,
          spans: list.map((s) => ({
            traceId: hexBytes(s.traceId),
            spanId: hexBytes(s.spanId),
            parentSpanId: s.parentSpanId ? hexBytes(s.parentSpanId) : undefined,
            name: s.operation,
            kind: spanKinds[s.kind],
            startTimeUnixNano: fixed64(s.startTimeUnixNano),
            endTimeUnixNano: fixed64(s.endTimeUnixNano),
            attributes: attributes(s.attributes),
            status: { code: statusCodes[s.status] },
          })),
        },
      ],
    })),
  }).finish();
}

export function encodeLogs(logs: readonly LogRecord[], decorate = undecorated): Uint8Array {
  return v1.collector.logs.v1.ExportLogsServiceRequest.encode({
    resourceLogs: groupByResource(logs).map(([resource, list]) => ({
      resource: { attributes: attributes({ ...resource, ...decorate(resource) }) },
      scopeLogs: [
        {
          scope,
          logRecords: list.map((l) => ({
            timeUnixNano: fixed64(l.timeUnixNano),
            observedTimeUnixNano: fixed64(l.timeUnixNano),
            severityNumber: l.severityNumber,
            severityText: l.severityText,
            body: { stringValue: l.body },
            traceId: l.traceId ? hexBytes(l.traceId) : undefined,
            spanId: l.spanId ? hexBytes(l.spanId) : undefined,
          })),
        },
      ],
    })),
  }).finish();
}

export function encodeMetrics(points: readonly MetricPoint[], decorate = undecorated): Uint8Array {
  return v1.collector.metrics.v1.ExportMetricsServiceRequest.encode({
    resourceMetrics: groupByResource(points).map(([resource, list]) => {
      const byName = new Map<string, MetricPoint[]>();
      for (const p of list) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
      return {
        resource: { attributes: attributes({ ...resource, ...decorate(resource) }) },
        scopeMetrics: [
          {
            scope,
            metrics: [...byName.entries()].map(([name, ps]) => ({
              name,
              unit: ps[0]?.unit ?? '',
              gauge: {
                dataPoints: ps.map((p) => ({
                  timeUnixNano: fixed64(p.timeUnixNano),
                  asDouble: p.value,
                })),
              },
            })),
          },
        ],
      };
    }),
  }).finish();
}

/** An export the receiver took while refusing some of its items (OTLP partial success). */
export class PartialExportError extends Error {
  override name = 'PartialExportError';
  constructor(
    /** Refused items per signal path, e.g. { '/v1/traces': 3 }. */
    readonly rejected: Record<string, number>,
    reasons: string[],
  ) {
    const counts = Object.entries(rejected).map(([path, n]) => `${n} at ${path}`);
    super(`OTLP export partly refused (${counts.join(', ')}): ${reasons.join('; ')}`);
  }
}

const responses = {
  '/v1/traces': (bytes: Uint8Array) => {
    const p = v1.collector.trace.v1.ExportTraceServiceResponse.decode(bytes).partialSuccess;
    return { rejected: Number(p?.rejectedSpans ?? 0), message: p?.errorMessage ?? '' };
  },
  '/v1/logs': (bytes: Uint8Array) => {
    const p = v1.collector.logs.v1.ExportLogsServiceResponse.decode(bytes).partialSuccess;
    return { rejected: Number(p?.rejectedLogRecords ?? 0), message: p?.errorMessage ?? '' };
  },
  '/v1/metrics': (bytes: Uint8Array) => {
    const p = v1.collector.metrics.v1.ExportMetricsServiceResponse.decode(bytes).partialSuccess;
    return { rejected: Number(p?.rejectedDataPoints ?? 0), message: p?.errorMessage ?? '' };
  },
};

/**
 * Sends one batch to an OTLP/HTTP receiver as protobuf, honouring Retry-After on push-back.
 * Every signal is sent; items the receiver refused (partial success) then fail the export with
 * a PartialExportError, so a refusal is never silent.
 */
export async function exportBatch(
  endpoint: string,
  batch: TelemetryBatch,
  decorate: ResourceDecorator = undecorated,
  maxAttempts = 5,
): Promise<void> {
  const sends: [keyof typeof responses, Uint8Array][] = [];
  if (batch.spans.length) sends.push(['/v1/traces', encodeTraces(batch.spans, decorate)]);
  if (batch.logs.length) sends.push(['/v1/logs', encodeLogs(batch.logs, decorate)]);
  if (batch.metrics.length) sends.push(['/v1/metrics', encodeMetrics(batch.metrics, decorate)]);
  const rejected: Record<string, number> = {};
  const reasons: string[] = [];
  for (const [path, body] of sends) {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(endpoint + path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
      const reply = new Uint8Array(await res.arrayBuffer());
      if (res.ok) {
        const outcome = responses[path](reply);
        if (outcome.rejected > 0) {
          rejected[path] = outcome.rejected;
          reasons.push(outcome.message || 'no reason given');
        }
        break;
      }
      if ((res.status !== 429 && res.status !== 503) || attempt >= maxAttempts) {
        throw new Error(`OTLP export to ${path} failed: HTTP ${res.status}`);
      }
      const wait = Number(res.headers.get('retry-after') ?? '1');
      await new Promise((r) => setTimeout(r, Math.min(10, Math.max(0.2, wait)) * 1000));
    }
  }
  if (reasons.length) throw new PartialExportError(rejected, reasons);
}
