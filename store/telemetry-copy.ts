import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** Binary COPY rows of one table, ready to stream: what a request contributes to a flush. */
export interface CopyRows {
  chunks: Buffer[];
  rows: number;
  /** Bytes held in memory (allocated, not just written), for the ingest queue's accounting. */
  bytes: number;
}

export const emptyCopyRows = (): CopyRows => ({ chunks: [], rows: 0, bytes: 0 });

/** A 64-bit integer as two 32-bit halves (protobufjs' Long has this shape). */
export interface Int64Bits {
  high: number;
  low: number;
}

const pgEpochMicros = 946_684_800_000_000; // 2000-01-01T00:00:00Z, PostgreSQL's epoch
const twoTo32 = 4_294_967_296;

/**
 * Encodes rows in PostgreSQL's binary COPY format: PostgreSQL parses it far faster than text
 * (no timestamp or number parsing, no escaping) and ids stay raw bytes. Each field is a 4-byte
 * length then the value in the type's binary send format.
 */
export class CopyEncoder {
  private readonly chunks: Buffer[] = [];
  private buf: Buffer;
  private pos = 0;
  private allocated: number;
  private rowCount = 0;

  constructor(private readonly chunkSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(chunkSize);
    this.allocated = chunkSize;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > 0) this.chunks.push(this.buf.subarray(0, this.pos));
    const size = Math.max(this.chunkSize, n);
    this.buf = Buffer.allocUnsafe(size);
    this.allocated += size;
    this.pos = 0;
  }

  row(fieldCount: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(fieldCount, this.pos);
    this.pos += 2;
    this.rowCount++;
  }

  null(): void {
    this.ensure(4);
    this.buf.writeInt32BE(-1, this.pos);
    this.pos += 4;
  }

  int2(v: number): void {
    this.ensure(6);
    this.buf.writeInt32BE(2, this.pos);
    this.buf.writeInt16BE(v, this.pos + 4);
    this.pos += 6;
  }

  int4(v: number): void {
    this.ensure(8);
    this.buf.writeInt32BE(4, this.pos);
    this.buf.writeInt32BE(v, this.pos + 4);
    this.pos += 8;
  }

  /** A safe integer (|v| < 2^53) as int8. */
  int8(v: number): void {
    this.ensure(12);
    this.buf.writeInt32BE(8, this.pos);
    this.writeInt64(v, this.pos + 4);
    this.pos += 12;
  }

  int8Bits(v: Int64Bits): void {
    this.ensure(12);
    this.buf.writeInt32BE(8, this.pos);
    this.buf.writeInt32BE(v.high | 0, this.pos + 4);
    this.buf.writeInt32BE(v.low | 0, this.pos + 8);
    this.pos += 12;
  }

  float8(v: number): void {
    this.ensure(12);
    this.buf.writeInt32BE(8, this.pos);
    this.buf.writeDoubleBE(v, this.pos + 4);
    this.pos += 12;
  }

  bool(v: boolean): void {
    this.ensure(5);
    this.buf.writeInt32BE(1, this.pos);
    this.buf[this.pos + 4] = v ? 1 : 0;
    this.pos += 5;
  }

  /** Microseconds since the Unix epoch. */
  timestamptz(unixMicros: number): void {
    this.int8(unixMicros - pgEpochMicros);
  }

  /** Text must be free of NUL characters (see ingest's cleanText); UTF-8 encoded here. */
  text(s: string): void {
    this.ensure(4 + s.length * 3);
    const n = this.utf8(s, this.pos + 4);
    this.buf.writeInt32BE(n, this.pos);
    this.pos += 4 + n;
  }

  /**
   * Writes `s` as UTF-8 at `at`, returning the byte count. Short ASCII strings (names, hosts,
   * peers: most text columns) are copied in JS, which costs less than a call into C++.
   */
  private utf8(s: string, at: number): number {
    if (s.length > 64) return this.buf.write(s, at, 'utf8');
    const buf = this.buf;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return this.buf.write(s, at, 'utf8');
      buf[at + i] = c;
    }
    return s.length;
  }

  bytea(b: Uint8Array): void {
    this.ensure(4 + b.length);
    this.buf.writeInt32BE(b.length, this.pos);
    this.buf.set(b, this.pos + 4);
    this.pos += 4 + b.length;
  }

  /** jsonb's binary format is a version byte (1) followed by the JSON text. */
  jsonb(json: string): void {
    this.ensure(5 + json.length * 3);
    this.buf[this.pos + 4] = 1;
    const n = this.utf8(json, this.pos + 5);
    this.buf.writeInt32BE(n + 1, this.pos);
    this.pos += 5 + n;
  }

  /** jsonb from JSON text already encoded as UTF-8. */
  jsonbBytes(json: Uint8Array): void {
    this.ensure(5 + json.length);
    this.buf.writeInt32BE(json.length + 1, this.pos);
    this.buf[this.pos + 4] = 1;
    this.buf.set(json, this.pos + 5);
    this.pos += 5 + json.length;
  }

  textOrNull(s: string | null): void {
    if (s === null) this.null();
    else this.text(s);
  }

  jsonbOrNull(json: string | null): void {
    if (json === null) this.null();
    else this.jsonb(json);
  }

  byteaOrNull(b: Uint8Array | null): void {
    if (b === null) this.null();
    else this.bytea(b);
  }

  int2OrNull(v: number | null): void {
    if (v === null) this.null();
    else this.int2(v);
  }

  int4OrNull(v: number | null): void {
    if (v === null) this.null();
    else this.int4(v);
  }

  int8OrNull(v: number | null): void {
    if (v === null) this.null();
    else this.int8(v);
  }

  float8OrNull(v: number | null): void {
    if (v === null) this.null();
    else this.float8(v);
  }

  private writeInt64(v: number, at: number): void {
    const hi = Math.floor(v / twoTo32);
    this.buf.writeInt32BE(hi, at);
    this.buf.writeUInt32BE(v - hi * twoTo32, at + 4);
  }

  get rows(): number {
    return this.rowCount;
  }

  finish(): CopyRows {
    // Rows wait in memory until COMMIT: a mostly empty last chunk is copied out at its size
    // rather than kept whole (a request's many small parts would each hold a large one).
    const kept = this.pos < this.buf.length / 2 ? this.pos : this.buf.length;
    if (this.pos > 0) {
      const last = this.buf.subarray(0, this.pos);
      this.chunks.push(kept === this.pos ? Buffer.from(last) : last);
    }
    this.allocated -= this.buf.length - kept;
    this.pos = 0;
    this.buf = Buffer.alloc(0);
    return { chunks: this.chunks, rows: this.rowCount, bytes: this.allocated };
  }
}

const header = Buffer.from([
  ...Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
  ...[0, 0, 0, 0], // flags
  ...[0, 0, 0, 0], // header extension length
]);
const trailer = Buffer.from([0xff, 0xff]);

/** Streams encoded rows of several producers into `table` with one binary COPY. */
export async function copyBinary(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  parts: readonly CopyRows[],
): Promise<number> {
  const stream = client.query(
    copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN (FORMAT binary)`),
  );
  function* body() {
    yield header;
    for (const part of parts) yield* part.chunks;
    yield trailer;
  }
  await pipeline(Readable.from(body(), { objectMode: false }), stream);
  return stream.rowCount;
}
