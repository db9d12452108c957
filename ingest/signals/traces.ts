import type { NameGate } from '../new-names';
import { operationKey } from '../../store/telemetry-dictionaries';
import { rollupBucket } from '../../store/telemetry-rollups';
import { encodeSpan, type SpanRow } from '../../store/telemetry-rows';
import { SpanKind, TraceRequest, TraceResponse, type SpanEvent, type SpanLink } from '../otlp';
import type { EdgeSpan, ServiceEdgeTracker } from '../service-edges';
import { halvesToMicros, nanosText } from '../time';
import { cleanText, idHex, isSmallint, jsonString, keyValuesJson } from '../values';
import { traceRequestParts, type WireResourceSpans, type WireSpan } from './trace-wire';
import type { ResourceContext } from './resource';
import {
  encodeDrafts,
  exportResponse,
  isValidId,
  newNeeds,
  Rejections,
  type AcceptWindow,
  type ConvertedRequest,
  type Signal,
  walkScopes,
} from './signal';

/** A span row that still carries names where the table wants dictionary ids. */
interface SpanDraft extends SpanRow, EdgeSpan {
  serviceName: string;
  name: string;
  /** operationKey(serviceName, kind, name). */
  operationKey: string;
  sourceKey: string;
  peerServiceName: string | null;
}

const STATUS_ERROR = 2;

/**
 * What one span may carry: past these it is refused as an invalid item (partial success), so
 * one client cannot fill the attributes column with unbounded data.
 */
export const spanAttributeCaps = { maxAttributes: 128, maxValueBytes: 8192 } as const;

function eventsJson(events: SpanEvent[]): string | null {
  if (events.length === 0) return null;
  return `[${events
    .map(
      (e) =>
        `{"timeUnixNano":"${nanosText(e.timeUnixNano)}","name":${jsonString(e.name ?? '')},` +
        `"attributes":${keyValuesJson(e.attributes) ?? '{}'}` +
        (e.droppedAttributesCount ? `,"droppedAttributesCount":${e.droppedAttributesCount}` : '') +
        '}',
    )
    .join(',')}]`;
}

function linksJson(links: SpanLink[]): string | null {
  if (links.length === 0) return null;
  const hex = (id: Uint8Array | null | undefined) => idHex(id ?? new Uint8Array());
  return `[${links
    .map(
      (l) =>
        `{"traceId":"${hex(l.traceId)}","spanId":"${hex(l.spanId)}"` +
        (l.traceState ? `,"traceState":${jsonString(l.traceState)}` : '') +
        `,"attributes":${keyValuesJson(l.attributes) ?? '{}'}` +
        (l.flags ? `,"flags":${l.flags}` : '') +
        (l.droppedAttributesCount ? `,"droppedAttributesCount":${l.droppedAttributesCount}` : '') +
        '}',
    )
    .join(',')}]`;
}

function droppedJson(span: WireSpan): string | null {
  const { droppedAttributes: a, droppedEvents: e, droppedLinks: l } = span;
  return a || e || l ? `{"attributes":${a},"events":${e},"links":${l}}` : null;
}

function spanDraft(
  span: WireSpan,
  resource: ResourceContext,
  sourceKey: string,
  window: AcceptWindow,
  rejections: Rejections,
): SpanDraft | null {
  if (!isValidId(span.traceId, 16) || !isValidId(span.spanId, 8)) {
    rejections.add('invalid trace or span id');
    return null;
  }
  if (!isSmallint(span.kind) || !isSmallint(span.statusCode)) {
    rejections.add('invalid span kind or status code');
    return null;
  }
  if (span.attributeCount > spanAttributeCaps.maxAttributes) {
    rejections.add(`more than ${spanAttributeCaps.maxAttributes} attributes`);
    return null;
  }
  if (span.largestAttributeBytes > spanAttributeCaps.maxValueBytes) {
    rejections.add(`an attribute value over ${spanAttributeCaps.maxValueBytes} bytes`);
    return null;
  }
  const startUs = halvesToMicros(span.startHi, span.startLo);
  if (startUs < window.minUs || startUs > window.maxUs) {
    rejections.add('start time outside the retention window');
    return null;
  }
  // Exact while the duration is under 104 days (2^53 ns).
  const durationNs = (span.endHi - span.startHi) * 4_294_967_296 + (span.endLo - span.startLo);
  if (durationNs < 0) {
    rejections.add('end time before start time');
    return null;
  }
  const name = cleanText(span.name);
  return {
    startUs,
    durationNs,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    serviceId: 0,
    operationId: 0,
    kind: span.kind,
    statusCode: span.statusCode,
    statusMessage: span.statusMessage ? cleanText(span.statusMessage) : null,
    httpStatus: span.httpStatus,
    peerService: span.peerService,
    dbSystem: span.dbSystem,
    k8sNamespace: resource.k8sNamespace,
    k8sPod: resource.k8sPod,
    k8sDeployment: resource.k8sDeployment,
    host: resource.host,
    sourceId: 0,
    traceState: span.traceState ? cleanText(span.traceState) : null,
    flags: span.flags ? span.flags | 0 : null,
    attributes: span.attributes,
    events: eventsJson(span.events),
    links: linksJson(span.links),
    dropped: droppedJson(span),
    peerServiceId: null,
    serviceName: resource.serviceName,
    name,
    operationKey: operationKey(resource.serviceName, span.kind, name),
    sourceKey,
    peerServiceName: span.peerService,
  };
}

function convert(
  request: WireResourceSpans[],
  window: AcceptWindow,
  names: NameGate,
  edges: ServiceEdgeTracker,
): ConvertedRequest {
  const drafts: SpanDraft[] = [];
  const needs = newNeeds();
  const operations = new Set<string>();
  const rejections = new Rejections('spans');
  walkScopes(
    request,
    (rs) => rs.scopeSpans,
    drafts,
    needs,
    (ss, resource, sourceKey) => {
      for (const span of ss.spans) {
        const d = spanDraft(span, resource, sourceKey, window, rejections);
        if (!d) continue;
        if (!names.allows(d.serviceName, d.operationKey, d.peerServiceName)) {
          rejections.add(names.refusal);
          continue;
        }
        drafts.push(d);
        if (!operations.has(d.operationKey)) {
          operations.add(d.operationKey);
          needs.operations.push({
            key: d.operationKey,
            serviceName: d.serviceName,
            kind: d.kind,
            name: d.name,
          });
        }
        if (d.peerServiceName) needs.services.add(d.peerServiceName);
      }
    },
  );
  return {
    accepted: drafts.length,
    rejections,
    needs,
    encode(ids, rollups) {
      const encoded = encodeDrafts('spans', drafts, 700, (encoder, d) => {
        d.serviceId = ids.serviceId(d.serviceName);
        d.operationId = ids.operationId(d.operationKey);
        d.sourceId = ids.sourceId(d.sourceKey);
        if (d.peerServiceName) d.peerServiceId = ids.serviceId(d.peerServiceName);
        encodeSpan(encoder, d);
        const us = Math.max(0, d.durationNs / 1000);
        const error = d.statusCode === STATUS_ERROR;
        // A service's own calls: its SERVER and CONSUMER spans, and its root spans.
        const ofService =
          d.kind === SpanKind.SPAN_KIND_SERVER ||
          d.kind === SpanKind.SPAN_KIND_CONSUMER ||
          d.parentSpanId === null;
        rollups.addSpan(rollupBucket(d.startUs), d.operationId, d.serviceId, us, error, ofService);
        return d.startUs;
      });
      edges.observe(drafts, rollups);
      return encoded;
    },
  };
}

/**
 * Traces. Protobuf bodies go through the span wire decoder; OTLP/JSON is read by the
 * generated code and re-encoded to protobuf first, so both share one conversion.
 */
export function createTraceSignal(edges: ServiceEdgeTracker): Signal<WireResourceSpans[]> {
  return {
    name: 'traces',
    httpPath: '/v1/traces',
    grpcPath: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    decode: (body) => traceRequestParts(body),
    fromJson: (json) =>
      traceRequestParts(TraceRequest.encode(TraceRequest.fromObject(json)).finish()),
    convert: (request, window, names) => convert(request, window, names, edges),
    response: (rejected, message, format) =>
      exportResponse(
        (m) => TraceResponse.encode(m).finish(),
        rejected ? { rejectedSpans: rejected, errorMessage: message } : null,
        format,
      ),
  };
}
