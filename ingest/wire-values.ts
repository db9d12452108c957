import type { Reader } from 'protobufjs/minimal';
import { MalformedWireError, type JsonBytes } from './json-bytes';

// OTLP's AnyValue and KeyValue read straight from protobuf wire bytes with protobufjs' Reader:
// positions instead of objects, JSON written as bytes. The hot path of span attributes.

/** Reads a length prefix and skips the bytes; returns where they start (they end at r.pos). */
export function lengthDelimited(r: Reader): number {
  const len = r.uint32();
  const start = r.pos;
  if (start + len > r.len) throw new MalformedWireError('length-delimited field past the end');
  r.pos = start + len;
  return start;
}

/** A scalar AnyValue (the value of a promoted attribute), or null for arrays, maps, bytes. */
export type Scalar = string | number | boolean | null;

/**
 * Positions found while scanning a message. The hot path reuses one instance per call site
 * instead of allocating per attribute; values are copied out before any recursion.
 */
export interface Regions {
  /** AnyValue: the oneof field that counts; KeyValue: unused. */
  field: number;
  start: number;
  end: number;
  /** KeyValue only: the value's bytes (valueStart −1 when absent). */
  valueStart: number;
  valueEnd: number;
}

export const newRegions = (): Regions => ({
  field: 0,
  start: 0,
  end: 0,
  valueStart: -1,
  valueEnd: -1,
});
const scratch = newRegions();

/** Finds the AnyValue field that counts: the last one of its oneof (protobuf semantics). */
function lastValueField(r: Reader, end: number, out: Regions): boolean {
  out.field = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    const expected = field === 2 || field === 3 ? 0 : field === 4 ? 1 : 2;
    if (field < 1 || field > 7 || wireType !== expected) {
      r.skipType(wireType);
      continue;
    }
    const start = r.pos;
    if (wireType === 2) lengthDelimited(r);
    else r.skipType(wireType);
    out.field = field;
    out.start = start;
    out.end = r.pos;
  }
  if (r.pos !== end) throw new MalformedWireError('AnyValue overruns its length');
  return out.field !== 0;
}

/** The halves of the last varint read by readInt64 (no Long object per integer attribute). */
const int64 = { lo: 0, hi: 0 };

/** Reads a varint int64 into `int64` (as protobufjs' readLongVarint, without allocating). */
function readInt64(r: Reader): void {
  const buf = r.buf;
  let pos = r.pos;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= r.len) throw new MalformedWireError('varint past the end');
    const b = buf[pos++]!;
    if (i < 4) lo |= (b & 127) << (i * 7);
    else if (i === 4) {
      lo |= (b & 127) << 28;
      hi |= (b & 127) >> 4;
    } else hi |= (b & 127) << (i * 7 - 32);
    if (b < 128) {
      r.pos = pos;
      int64.lo = lo >>> 0;
      int64.hi = hi | 0;
      return;
    }
  }
  throw new MalformedWireError('varint longer than 10 bytes');
}

/** Within ±2^53 the value is an exact double; beyond, BigInt gives its exact decimal text. */
const int64IsSafe = () => int64.hi >= -2_097_152 && int64.hi < 2_097_152;
const int64Value = () => int64.hi * 4_294_967_296 + int64.lo;

export function readScalar(r: Reader, start: number, end: number): Scalar {
  r.pos = start;
  if (!lastValueField(r, end, scratch)) return null;
  r.pos = scratch.start;
  switch (scratch.field) {
    case 1: {
      const from = lengthDelimited(r);
      return decodeUtf8(r.buf.subarray(from, r.pos));
    }
    case 2:
      return r.bool();
    case 3:
      readInt64(r);
      return int64Value();
    case 4:
      return r.double();
    default:
      return null;
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
function decodeUtf8(b: Uint8Array): string {
  try {
    return strictUtf8.decode(b).replaceAll('\0', '\uFFFD');
  } catch {
    throw new MalformedWireError('invalid UTF-8 in a string field');
  }
}

/** Writes the AnyValue in [start, end) as JSON: int64 exact, bytes base64, nesting recursive. */
export function writeAnyValue(r: Reader, start: number, end: number, out: JsonBytes, depth = 0) {
  if (depth > 32) throw new MalformedWireError('attribute value nested too deeply');
  r.pos = start;
  if (!lastValueField(r, end, scratch)) {
    out.ascii('null');
    return;
  }
  const field = scratch.field;
  r.pos = scratch.start;
  switch (field) {
    case 1: {
      const from = lengthDelimited(r);
      out.utf8String(r.buf, from, r.pos);
      break;
    }
    case 2:
      out.ascii(r.bool() ? 'true' : 'false');
      break;
    case 3:
      readInt64(r);
      out.ascii(
        int64IsSafe()
          ? String(int64Value())
          : BigInt.asIntN(64, (BigInt(int64.hi >>> 0) << 32n) | BigInt(int64.lo)).toString(),
      );
      break;
    case 4: {
      const d = r.double();
      out.ascii(Number.isFinite(d) ? String(d) : `"${d}"`);
      break;
    }
    case 5:
    case 6: {
      const listStart = lengthDelimited(r);
      const listEnd = r.pos;
      out.byte(field === 5 ? 0x5b : 0x7b);
      r.pos = listStart;
      let first = true;
      while (r.pos < listEnd) {
        const tag = r.uint32();
        if (tag >>> 3 !== 1 || (tag & 7) !== 2) {
          r.skipType(tag & 7);
          continue;
        }
        const itemStart = lengthDelimited(r);
        const itemEnd = r.pos;
        if (!first) out.byte(0x2c);
        first = false;
        if (field === 5) writeAnyValue(r, itemStart, itemEnd, out, depth + 1);
        else writeKeyValue(r, itemStart, itemEnd, out, depth + 1);
        r.pos = itemEnd;
      }
      out.byte(field === 5 ? 0x5d : 0x7d);
      break;
    }
    case 7: {
      const from = lengthDelimited(r);
      const b = r.buf;
      out.ascii(`"${Buffer.from(b.buffer, b.byteOffset + from, r.pos - from).toString('base64')}"`);
      break;
    }
  }
  r.pos = end;
}

/** Scans a KeyValue: key bytes into [start, end), value into [valueStart, valueEnd). */
export function keyValueRegions(r: Reader, kvStart: number, kvEnd: number, out: Regions): void {
  r.pos = kvStart;
  out.start = kvStart;
  out.end = kvStart;
  out.valueStart = -1;
  out.valueEnd = -1;
  while (r.pos < kvEnd) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if ((tag & 7) !== 2 || (field !== 1 && field !== 2)) {
      r.skipType(tag & 7);
      continue;
    }
    const from = lengthDelimited(r);
    if (field === 1) {
      out.start = from;
      out.end = r.pos;
    } else {
      out.valueStart = from;
      out.valueEnd = r.pos;
    }
  }
}

/** `"key":value` of one KeyValue. */
function writeKeyValue(r: Reader, kvStart: number, kvEnd: number, out: JsonBytes, depth: number) {
  const kv = newRegions();
  keyValueRegions(r, kvStart, kvEnd, kv);
  out.utf8String(r.buf, kv.start, kv.end);
  out.byte(0x3a);
  if (kv.valueStart >= 0) writeAnyValue(r, kv.valueStart, kv.valueEnd, out, depth);
  else out.ascii('null');
  r.pos = kvEnd;
}
