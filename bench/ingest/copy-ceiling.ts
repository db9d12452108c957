import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import type { Pool } from '../../store/db';
import { copyBinary, type CopyRows } from '../../store/telemetry-copy';
import { spanColumns } from '../../store/telemetry-rows';

export interface CeilingResult {
  rowsPerSecond: number;
  rowsCopied: number;
}

const batchBytes = 8 * 2 ** 20; // the receiver's flush size

/** Reads stored spans of services named `prefix…` back as binary COPY rows. */
async function dumpRows(pool: Pool, prefix: string): Promise<Buffer[]> {
  const client = await pool.connect();
  const chunks: Buffer[] = [];
  try {
    const columns = spanColumns.map((c) => `sp.${c}`).join(', ');
    await pipeline(
      client.query(
        copyTo(`COPY (SELECT ${columns} FROM spans sp JOIN services s ON s.id = sp.service_id
                      WHERE s.name LIKE '${prefix.replace(/'/g, "''")}%') TO STDOUT (FORMAT binary)`),
      ),
      new Writable({
        write(chunk: Buffer, _enc, done) {
          chunks.push(chunk);
          done();
        },
      }),
    );
  } finally {
    client.release();
  }
  return splitRows(Buffer.concat(chunks));
}

/** Splits a binary COPY stream (header, tuples, trailer) into one buffer per tuple. */
function splitRows(data: Buffer): Buffer[] {
  let pos = 11 + 4;
  pos += 4 + data.readInt32BE(pos);
  const rows: Buffer[] = [];
  for (;;) {
    const fields = data.readInt16BE(pos);
    if (fields === -1) return rows;
    let end = pos + 2;
    for (let f = 0; f < fields; f++) {
      const len = data.readInt32BE(end);
      end += 4 + Math.max(0, len);
    }
    rows.push(data.subarray(pos, end));
    pos = end;
  }
}

function batches(rows: Buffer[]): CopyRows[] {
  const out: CopyRows[] = [];
  let current: CopyRows = { chunks: [], rows: 0, bytes: 0 };
  for (const row of rows) {
    current.chunks.push(row);
    current.rows++;
    current.bytes += row.length;
    if (current.bytes >= batchBytes) {
      out.push(current);
      current = { chunks: [], rows: 0, bytes: 0 };
    }
  }
  if (current.rows) out.push(current);
  return out;
}

/**
 * Where a row's trace id starts: after the field count (2 bytes), start_time and duration_ns
 * (4 + 8 bytes each) and the trace id's length (4 bytes); spanColumns puts them first.
 */
const traceIdOffset = 2 + 12 + 12 + 4;
let reuse = Math.floor(Math.random() * 2 ** 31);

/**
 * Each reuse of a batch gets new trace ids (their first 4 bytes become a fresh counter), so
 * the trace_id index sees new keys as it does under ingest, not ever more duplicates.
 */
function freshTraceIds(batch: CopyRows): void {
  const stamp = ++reuse;
  for (const row of batch.chunks) row.writeUInt32BE(stamp >>> 0, traceIdOffset);
}

/** Rows/s of `streams` connections each COPYing batches in their own transactions. */
async function copyRate(
  pool: Pool,
  work: CopyRows[],
  streams: number,
  seconds: number,
): Promise<{ rate: number; rows: number }> {
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  let rows = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: streams }, async () => {
      const client = await pool.connect();
      try {
        while (performance.now() < end) {
          const batch = work[next++ % work.length]!;
          freshTraceIds(batch);
          await client.query('BEGIN');
          await copyBinary(client, 'spans', spanColumns, [batch]);
          await client.query('COMMIT');
          rows += batch.rows;
        }
      } finally {
        client.release();
      }
    }),
  );
  return { rate: rows / ((performance.now() - start) / 1000), rows };
}

/**
 * The ceiling ingest is compared with: the rows the receiver stored, read back in binary COPY
 * format and COPYed again (with fresh trace ids) into `spans` (same table, partitions and
 * indexes) in batches of the receiver's flush size, with one and with two connections (the
 * receiver flushes on two); the faster is the ceiling. Nothing else of ours runs meanwhile.
 */
export async function measureCopyCeiling(
  pool: Pool,
  prefix: string,
  seconds: number,
): Promise<CeilingResult> {
  const rows = await dumpRows(pool, prefix);
  if (rows.length === 0) throw new Error(`no stored spans of ${prefix}* to measure the ceiling`);
  const work = batches(rows);
  if (work.length < 2) throw new Error('too few stored rows for two concurrent COPY streams');
  const one = await copyRate(pool, work, 1, seconds / 2);
  const two = await copyRate(pool, work, 2, seconds / 2);
  return { rowsPerSecond: Math.max(one.rate, two.rate), rowsCopied: one.rows + two.rows };
}
