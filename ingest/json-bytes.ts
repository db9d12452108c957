import { Reader } from 'protobufjs/minimal';
import { int64Number, int64Text } from './values';

/** The request's bytes are not what the protobuf schema says (bad UTF-8, truncated...). */
export class MalformedWireError extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const hexDigits = '0123456789abcdef';
const shortEscapes: Record<number, number> = {
  0x08: 0x62,
  0x09: 0x74,
  0x0a: 0x6e,
  0x0c: 0x66,
  0x0d: 0x72,
};

/**
 * Writes JSON text as UTF-8 bytes straight from protobuf wire bytes, without materialising
 * attribute objects or strings: the hot path of span ingest, where attributes are most of the
 * data. Strings are validated as UTF-8 while copied (protobuf requires it), escaped for JSON,
 * and NUL becomes U+FFFD (jsonb rejects \u0000). One writer serves a whole request; each
 * value is a contiguous region between `begin()` and `end()`.
 */
export class JsonBytes {
  private buf: Buffer;
  private pos = 0;
  private start = 0;

  constructor(private readonly chunkSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(chunkSize);
  }

  begin(): void {
    this.start = this.pos;
  }

  get empty(): boolean {
    return this.pos === this.start;
  }

  /** The bytes written since `begin()`. */
  end(): Buffer {
    return this.buf.subarray(this.start, this.pos);
  }

  /** Room for n more bytes; the region being written moves to a new chunk if needed. */
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const current = this.pos - this.start;
    const next = Buffer.allocUnsafe(Math.max(this.chunkSize, (current + n) * 2));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = current;
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /** Text known to need no escaping (numbers, literals). */
  ascii(s: string): void {
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }

  /** A JSON text produced by JSON.stringify (already escaped). */
  json(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** src[from, to) as a JSON string literal. */
  utf8String(src: Uint8Array, from: number, to: number): void {
    this.ensure((to - from) * 6 + 2);
    const out = this.buf;
    let p = this.pos;
    out[p++] = QUOTE;
    for (let i = from; i < to; i++) {
      const c = src[i]!;
      if (c >= 0x20 && c < 0x80) {
        if (c === QUOTE || c === BACKSLASH) out[p++] = BACKSLASH;
        out[p++] = c;
      } else if (c < 0x20) {
        if (c === 0) {
          out[p++] = 0xef; // U+FFFD
          out[p++] = 0xbf;
          out[p++] = 0xbd;
          continue;
        }
        out[p++] = BACKSLASH;
        const short = shortEscapes[c];
        if (short !== undefined) out[p++] = short;
        else {
          out[p++] = 0x75; // u00XX
          out[p++] = 0x30;
          out[p++] = 0x30;
          out[p++] = hexDigits.charCodeAt(c >> 4);
          out[p++] = hexDigits.charCodeAt(c & 15);
        }
      } else {
        const n = sequenceLength(src, i, to);
        for (let k = 0; k < n; k++) out[p++] = src[i + k]!;
        i += n - 1;
      }
    }
    out[p++] = QUOTE;
    this.pos = p;
  }
}

/** Length of the valid UTF-8 sequence starting at src[i] (lead byte ≥ 0x80), or throws. */
function sequenceLength(src: Uint8Array, i: number, to: number): number {
  const c = src[i]!;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => {
    const b = i + k < to ? src[i + k]! : -1;
    if (b < lo || b > hi) throw new MalformedWireError('invalid UTF-8 in a string field');
  };
  if (c >= 0xc2 && c <= 0xdf) {
    cont(1);
    return 2;
  }
  if (c >= 0xe0 && c <= 0xef) {
    cont(1, c === 0xe0 ? 0xa0 : 0x80, c === 0xed ? 0x9f : 0xbf); // no overlongs, no surrogates
    cont(2);
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    cont(1, c === 0xf0 ? 0x90 : 0x80, c === 0xf4 ? 0x8f : 0xbf);
    cont(2);
    cont(3);
    return 4;
  }
  throw new MalformedWireError('invalid UTF-8 in a string field');
}

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
      return int64Number(r.int64());
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
      out.ascii(int64Text(r.int64()));
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
