import type { Pool } from './db';

/** The 10-second buckets of [from, to) in which any operation was called, epoch ms, ascending. */
export async function trafficBuckets(
  pool: Pool,
  range: { from: Date; to: Date },
): Promise<number[]> {
  const { rows } = await pool.query<{ bucket: Date }>(
    `SELECT bucket FROM rollup_operations WHERE bucket >= $1 AND bucket < $2
     GROUP BY bucket HAVING sum(calls) > 0 ORDER BY bucket`,
    [range.from, range.to],
  );
  return rows.map((r) => r.bucket.getTime());
}
