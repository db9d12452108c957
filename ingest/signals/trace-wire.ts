import { Reader } from 'protobufjs/minimal';
import { JsonBytes, MalformedWireError } from '../json-bytes';
import {
  ResourceMessage,
  ScopeMessage,
  SpanEventMessage,
  SpanLinkMessage,
  SpanStatusMessage,
  type InstrumentationScope,
  type Resource,
  type SpanEvent,
  type SpanLink,
} from '../otlp';
import { cleanText } from '../values';
import {
  keyValueRegions,
  lengthDelimited,
  newRegions,
  readScalar,
  writeAnyValue,
  type Scalar,
} from '../wire-values';

/** A span as decoded from the wire: attributes are already JSON bytes, hot ones are split out. */
export interface WireSpan {
  traceId: Uint8Array | null;
  spanId: Uint8Array | null;
  parentSpanId: Uint8Array | null;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  /** fixed64 Unix nanoseconds as unsigned 32-bit halves (exact, no allocation). */
  startHi: number;
  startLo: number;
  endHi: number;
  endLo: number;
  attributes: Buffer | null;
  /** KeyValues in `attributes`, and the largest value's encoded size (for the receiver's caps). */
  attributeCount: number;
  largestAttributeBytes: number;
  httpStatus: number | null;
  peerService: string | null;
  dbSystem: string | null;
  droppedAttributes: number;
  droppedEvents: number;
  droppedLinks: number;
  events: SpanEvent[];
  links: SpanLink[];
  statusCode: number;
  statusMessage: string;
}

export interface WireScopeSpans {
  scope: InstrumentationScope | null;
  schemaUrl: string;
  spans: WireSpan[];
}

export interface WireResourceSpans {
  resource: Resource | null;
  schemaUrl: string;
  scopeSpans: WireScopeSpans[];
}

type PromotedColumn = 'httpStatus' | 'peerService' | 'dbSystem';

/**
 * Span attributes stored as columns instead of in the attributes jsonb. A current
 * semantic-convention key moves to its column (queries fold it back under the same key); an
 * older alias fills the column only when the current key is absent, and stays in the JSON.
 */
const promotions = (
  [
    ['http.response.status_code', 'httpStatus', true],
    ['http.status_code', 'httpStatus', false],
    ['peer.service', 'peerService', true],
    ['db.system', 'dbSystem', true],
    ['db.system.name', 'dbSystem', false],
  ] as const
).map(([key, column, canonical]) => ({ key: Buffer.from(key), column, canonical }));
const promotedKeyLengths = new Set(promotions.map((p) => p.key.length));

function promotedValue(column: PromotedColumn, v: Scalar): number | string | null {
  if (column === 'httpStatus') {
    const n = typeof v === 'string' ? Number(v) : v;
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 32768 ? n : null;
  }
  return v === null || v === '' ? null : cleanText(String(v));
}

function setPromoted(span: WireSpan, column: PromotedColumn, value: number | string) {
  if (column === 'httpStatus') span.httpStatus = value as number;
  else span[column] = value as string;
}

/**
 * The promotion rule of the key in b[start, end), compared in place (no string built) and in
 * JS: keys are short, and Buffer.compare's call into C++ cost more than the comparison.
 */
function promotionOf(b: Uint8Array, start: number, end: number) {
  const length = end - start;
  if (!promotedKeyLengths.has(length)) return undefined;
  next: for (const p of promotions) {
    if (p.key.length !== length) continue;
    for (let i = 0; i < length; i++) if (p.key[i] !== b[start + i]) continue next;
    return p;
  }
  return undefined;
}

const kv = newRegions();

/** One KeyValue of a span: into its promoted column, or appended to the attributes JSON. */
function attribute(r: Reader, kvStart: number, kvEnd: number, span: WireSpan, json: JsonBytes) {
  keyValueRegions(r, kvStart, kvEnd, kv);
  const { start: keyStart, end: keyEnd, valueStart, valueEnd } = kv;
  span.attributeCount++;
  if (valueEnd - valueStart > span.largestAttributeBytes)
    span.largestAttributeBytes = valueEnd - valueStart;
  const rule = valueStart >= 0 ? promotionOf(r.buf, keyStart, keyEnd) : undefined;
  if (rule) {
    const parsed = promotedValue(rule.column, readScalar(r, valueStart, valueEnd));
    if (parsed !== null) {
      if (rule.canonical) return setPromoted(span, rule.column, parsed);
      if (span[rule.column] === null) setPromoted(span, rule.column, parsed);
    }
  }
  json.byte(json.empty ? 0x7b : 0x2c);
  json.utf8String(r.buf, keyStart, keyEnd);
  json.byte(0x3a);
  if (valueStart >= 0) writeAnyValue(r, valueStart, valueEnd, json);
  else json.ascii('null');
}

/** An unsigned little-endian 32-bit word (half of a fixed64). */
function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

function fixed64Start(r: Reader): number {
  if (r.pos + 8 > r.len) throw new MalformedWireError('fixed64 field past the end');
  r.pos += 8;
  return r.pos - 8;
}

const nonEmpty = (b: Uint8Array) => (b.length ? b : null);
/** Most spans have no events or links: they share this empty list instead of allocating one. */
const none: never[] = [];

function decodeSpan(r: Reader, end: number, json: JsonBytes): WireSpan {
  const span: WireSpan = {
    traceId: null,
    spanId: null,
    parentSpanId: null,
    traceState: '',
    flags: 0,
    name: '',
    kind: 0,
    startHi: 0,
    startLo: 0,
    endHi: 0,
    endLo: 0,
    attributes: null,
    attributeCount: 0,
    largestAttributeBytes: 0,
    httpStatus: null,
    peerService: null,
    dbSystem: null,
    droppedAttributes: 0,
    droppedEvents: 0,
    droppedLinks: 0,
    events: none,
    links: none,
    statusCode: 0,
    statusMessage: '',
  };
  json.begin();
  const outer = r.len;
  r.len = end; // reads past the span's end fail, as in the generated decoders
  while (r.pos < end) {
    const tag = r.uint32();
    const wireType = tag & 7;
    const delimited = wireType === 2;
    switch (tag >>> 3) {
      case 1:
        if (!delimited) break;
        span.traceId = nonEmpty(r.bytes());
        continue;
      case 2:
        if (!delimited) break;
        span.spanId = nonEmpty(r.bytes());
        continue;
      case 3:
        if (!delimited) break;
        span.traceState = r.stringVerify();
        continue;
      case 4:
        if (!delimited) break;
        span.parentSpanId = nonEmpty(r.bytes());
        continue;
      case 5:
        if (!delimited) break;
        span.name = r.stringVerify();
        continue;
      case 6:
        if (wireType !== 0) break;
        span.kind = r.int32();
        continue;
      case 7: {
        if (wireType !== 1) break;
        const at = fixed64Start(r);
        span.startLo = u32(r.buf, at);
        span.startHi = u32(r.buf, at + 4);
        continue;
      }
      case 8: {
        if (wireType !== 1) break;
        const at = fixed64Start(r);
        span.endLo = u32(r.buf, at);
        span.endHi = u32(r.buf, at + 4);
        continue;
      }
      case 9: {
        if (!delimited) break;
        const kvStart = lengthDelimited(r);
        const kvEnd = r.pos;
        attribute(r, kvStart, kvEnd, span, json);
        r.pos = kvEnd;
        continue;
      }
      case 10:
        if (wireType !== 0) break;
        span.droppedAttributes = r.uint32();
        continue;
      case 11:
        if (!delimited) break;
        if (span.events === none) span.events = [];
        span.events.push(SpanEventMessage.decode(r, r.uint32()));
        continue;
      case 12:
        if (wireType !== 0) break;
        span.droppedEvents = r.uint32();
        continue;
      case 13:
        if (!delimited) break;
        if (span.links === none) span.links = [];
        span.links.push(SpanLinkMessage.decode(r, r.uint32()));
        continue;
      case 14:
        if (wireType !== 0) break;
        span.droppedLinks = r.uint32();
        continue;
      case 15: {
        if (!delimited) break;
        const status = SpanStatusMessage.decode(r, r.uint32());
        span.statusCode = status.code ?? 0;
        span.statusMessage = status.message ?? '';
        continue;
      }
      case 16:
        if (wireType !== 5) break;
        span.flags = r.fixed32();
        continue;
    }
    r.skipType(wireType);
  }
  r.len = outer;
  if (!json.empty) {
    json.byte(0x7d);
    span.attributes = json.end();
  }
  return span;
}

/** The `field`-numbered length-delimited children of the message in [start, end), as ranges. */
function* children(
  r: Reader,
  start: number,
  end: number,
  field: number,
): Generator<readonly [number, number]> {
  let pos = start;
  while (pos < end) {
    // The consumer moves the shared reader between yields: walk on from where we were.
    r.pos = pos;
    r.len = end;
    const tag = r.uint32();
    if (tag >>> 3 === field && (tag & 7) === 2) {
      const childStart = lengthDelimited(r);
      pos = r.pos;
      yield [childStart, pos];
      continue;
    }
    r.skipType(tag & 7);
    pos = r.pos;
  }
}

/**
 * ResourceSpans and ScopeSpans share one layout: field 1 is the resource or scope (decoded by
 * the generated code), 2 a repeated child message, 3 the schema URL. Reads 1 and 3 wherever
 * they are, skipping the children (walked afterwards by `children`).
 */
function blockHead<Head>(
  r: Reader,
  start: number,
  end: number,
  head: (r: Reader, length: number) => Head,
): { head: Head | null; schemaUrl: string } {
  const out = { head: null as Head | null, schemaUrl: '' };
  r.pos = start;
  r.len = end;
  while (r.pos < end) {
    const tag = r.uint32();
    const wireType = tag & 7;
    if (wireType === 2 && tag >>> 3 === 1) out.head = head(r, r.uint32());
    else if (wireType === 2 && tag >>> 3 === 3) out.schemaUrl = r.stringVerify();
    else r.skipType(wireType);
    r.len = end; // the generated decoders leave it as they found it; be sure
  }
  return out;
}

/** Bounds on one part of a request: spans, and wire bytes of those spans. */
export interface PartLimits {
  spans: number;
  bytes: number;
}

/**
 * Parts of about 2,000 small spans: their objects die young (in V8's new space), so a large
 * request never has all its spans decoded at once.
 */
export const defaultPartLimits: PartLimits = { spans: 2048, bytes: 2 ** 20 };

/**
 * Decodes an ExportTraceServiceRequest in parts of at most `limits` spans (a resource or scope
 * with more spans is repeated in the next part), each decoded only when asked for: the caller
 * converts and encodes one part before the next exists. Spans are the bulk of all telemetry,
 * so their messages are walked here with protobufjs' Reader and their attributes written as
 * JSON bytes directly (no KeyValue/AnyValue objects: ~3× less CPU and garbage than the
 * generated decoder); the small, rare sub-messages (resource, scope, events, links, status)
 * use the generated code. Unknown fields are skipped, as protobuf requires. A malformed span
 * throws when its part is decoded.
 */
export function* traceRequestParts(
  body: Uint8Array,
  limits: PartLimits = defaultPartLimits,
): Generator<WireResourceSpans[]> {
  const buffer = Buffer.isBuffer(body)
    ? body
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const r = Reader.create(buffer);
  const json = new JsonBytes(Math.min(1 << 20, Math.max(4096, buffer.length)));
  let part: WireResourceSpans[] = [];
  let spans = 0;
  let bytes = 0;
  for (const [rsStart, rsEnd] of children(r, 0, buffer.length, 1)) {
    const rs = blockHead(r, rsStart, rsEnd, (r, n) => ResourceMessage.decode(r, n));
    let rsOut: WireResourceSpans | null = null;
    for (const [ssStart, ssEnd] of children(r, rsStart, rsEnd, 2)) {
      const ss = blockHead(r, ssStart, ssEnd, (r, n) => ScopeMessage.decode(r, n));
      let ssOut: WireScopeSpans | null = null;
      for (const [spanStart, spanEnd] of children(r, ssStart, ssEnd, 2)) {
        if (!rsOut)
          part.push((rsOut = { resource: rs.head, schemaUrl: rs.schemaUrl, scopeSpans: [] }));
        if (!ssOut)
          rsOut.scopeSpans.push((ssOut = { scope: ss.head, schemaUrl: ss.schemaUrl, spans: [] }));
        r.pos = spanStart;
        ssOut.spans.push(decodeSpan(r, spanEnd, json));
        spans++;
        bytes += spanEnd - spanStart;
        if (spans >= limits.spans || bytes >= limits.bytes) {
          yield part;
          part = [];
          spans = 0;
          bytes = 0;
          rsOut = null;
          ssOut = null;
        }
      }
    }
  }
  if (part.length) yield part;
}

/** A whole request decoded at once (small requests and tests). */
export function decodeTraceRequest(body: Uint8Array): WireResourceSpans[] {
  return [...traceRequestParts(body, { spans: Infinity, bytes: Infinity })].flat();
}
