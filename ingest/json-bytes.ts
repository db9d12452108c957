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
