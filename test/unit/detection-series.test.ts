import { describe, expect, it } from 'vitest';
import type { Pool } from '../../store/db';
import { readDetectionSeries } from '../../store/detection';

const bucket = new Date(Date.UTC(2026, 0, 7, 9, 0, 10));

/** An edge rollup row as the edges query returns it: one call of ~20 ms. */
const edgeRow = (caller: string, callee: string) => ({
  bucket,
  service: callee,
  name: caller,
  calls: '1',
  errors: '0',
  lo: 60,
  counts: [1],
});

/** A pool that answers the edges query with `edges` and every other query with no rows. */
function poolWith(edges: ReturnType<typeof edgeRow>[]): Pool {
  return {
    query: async (sql: string) => ({ rows: sql.includes('FROM rollup_edges') ? edges : [] }),
  } as unknown as Pool;
}

const read = (edges: ReturnType<typeof edgeRow>[]) =>
  readDetectionSeries(poolWith(edges), new Date(bucket.getTime() - 10_000), bucket);

describe('detection series of call edges', () => {
  it("reads a callee with one caller once, as that caller's edge", async () => {
    const keys = (await read([edgeRow('checkout', 'db')])).map((p) => p.seriesKey);
    expect(keys.sort()).toEqual(['edge:db:from:checkout:errors', 'edge:db:from:checkout:p95']);
  });

  it('pools the calls into a callee with two callers beside each edge', async () => {
    const points = await read([edgeRow('checkout', 'db'), edgeRow('cart', 'db')]);
    expect(points.map((p) => p.seriesKey).sort()).toEqual([
      'edge:db:errors',
      'edge:db:from:cart:errors',
      'edge:db:from:cart:p95',
      'edge:db:from:checkout:errors',
      'edge:db:from:checkout:p95',
      'edge:db:p95',
    ]);
    expect(points.find((p) => p.seriesKey === 'edge:db:p95')?.support).toBe(2);
  });
});
