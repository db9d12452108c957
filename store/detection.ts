import {
  histogramQuantile,
  histogramRequests,
  latencyBucketMicros,
  type SparseHistogram,
} from './telemetry-histogram';
import { withTransaction, type Pool } from './db';
import { rowBoundLimit, withinRowBound } from './query-bounds';

/** One value of one detection series in one 10-second bucket. */
export interface SeriesPoint {
  seriesKey: string;
  service: string;
  operation?: string;
  signal: 'latency' | 'errors' | 'logs' | 'metric';
  bucket: number;
  value: number;
  /** Calls behind a ratio or a latency: the scorer weighs the point by them. */
  support?: number;
  /** A latency point's requests by duration: the scorer counts the slow ones. */
  histogram?: SparseHistogram;
  /** A metric's unit as exported (UCUM, e.g. `s`, `By`, `1`). */
  unit?: string;
}

/** Requests of a latency histogram slower than `ms` (by each histogram bucket's middle). */
export function requestsSlowerThan(histogram: SparseHistogram, ms: number): number {
  let slow = 0;
  histogram.counts.forEach((count, i) => {
    if (latencyBucketMicros(histogram.offset + i) / 1000 > ms) slow += count;
  });
  return slow;
}

/** The histogram's slowest request in ms (its top bucket's middle), none when it is empty. */
export function slowestRequest(histogram: SparseHistogram): number | undefined {
  for (let i = histogram.counts.length - 1; i >= 0; i--)
    if ((histogram.counts[i] ?? 0) > 0) return latencyBucketMicros(histogram.offset + i) / 1000;
  return undefined;
}

interface RedRow {
  bucket: Date;
  service: string;
  name: string | null;
  calls: string;
  errors: string;
  lo: number | null;
  counts: number[] | null;
}

function redPoints(prefix: string, row: RedRow, operation?: string): SeriesPoint[] {
  const bucket = row.bucket.getTime();
  const calls = Number(row.calls);
  const points: SeriesPoint[] = [];
  const key = `${prefix}:${row.service}${row.name === null ? '' : `:${row.name}`}`;
  const histogram = row.counts && row.lo !== null ? { offset: row.lo, counts: row.counts } : null;
  const p95 = histogram && histogramQuantile(histogram, 0.95);
  if (histogram && p95 !== null) {
    points.push({
      seriesKey: `${key}:p95`,
      service: row.service,
      operation,
      signal: 'latency',
      bucket,
      value: p95 / 1000,
      support: histogramRequests(histogram),
      histogram,
    });
  }
  // Every bucket with calls: the scorer's binomial test weighs a ratio by the calls behind it.
  if (calls > 0) {
    points.push({
      seriesKey: `${key}:errors`,
      service: row.service,
      operation,
      signal: 'errors',
      bucket,
      value: Number(row.errors) / calls,
      support: calls,
    });
  }
  return points;
}

/** Two stored histograms added bucket by bucket (their bounds are fixed, so they add). */
function addHistograms(a: RedRow, b: RedRow): Pick<RedRow, 'lo' | 'counts'> {
  if (a.lo === null || !a.counts) return { lo: b.lo, counts: b.counts };
  if (b.lo === null || !b.counts) return { lo: a.lo, counts: a.counts };
  const lo = Math.min(a.lo, b.lo);
  const hi = Math.max(a.lo + a.counts.length, b.lo + b.counts.length);
  const counts = new Array<number>(hi - lo).fill(0);
  for (const h of [a, b]) h.counts!.forEach((c, i) => (counts[h.lo! - lo + i]! += c));
  return { lo, counts };
}

/**
 * Each callee's calls from all its callers, bucket by bucket (name null: the series of every
 * edge into it). A delay on the way into a quiet service shows on each caller's edge as a call
 * now and then, too few on any one edge to be news; the calls into the service as its callers
 * waited carry that evidence together. A callee with one caller in the window is left out: its
 * pool would be that caller's edge, scored and stored twice.
 */
function callsInto(edges: readonly RedRow[]): RedRow[] {
  const callers = new Map<string, Set<string | null>>();
  for (const row of edges)
    callers.set(row.service, (callers.get(row.service) ?? new Set()).add(row.name));
  const pooled = new Map<string, RedRow>();
  for (const row of edges) {
    if (callers.get(row.service)!.size < 2) continue;
    const key = `${row.bucket.getTime()}\u0000${row.service}`;
    const seen = pooled.get(key);
    pooled.set(
      key,
      seen
        ? {
            ...seen,
            calls: String(Number(seen.calls) + Number(row.calls)),
            errors: String(Number(seen.errors) + Number(row.errors)),
            ...addHistograms(seen, row),
          }
        : { ...row, name: null },
    );
  }
  return [...pooled.values()];
}

// Slicing a sparse histogram re-bases it at 1; array_lower keeps where it started.
const histogramColumns = `array_lower(r.latency, 1) AS lo,
  r.latency[array_lower(r.latency, 1):array_upper(r.latency, 1)] AS counts`;

/**
 * Every detection series with data in (from, to]: RED of services, operations and edges (an
 * edge is attributed to its callee, whose health it measures; each callee's edges also pooled),
 * metrics and error-log counts.
 */
export async function readDetectionSeries(
  pool: Pool,
  from: Date,
  to: Date,
  /**
   * Metrics are read up to here: exporters stamp a gauge at the end of the interval it
   * describes, so the interval's value lands in the bucket after it.
   */
  metricsTo: Date = to,
): Promise<SeriesPoint[]> {
  const window = [from, to];
  const [services, operations, edges, metrics, logs] = await Promise.all([
    pool.query<RedRow>(
      `SELECT r.bucket, s.name AS service, NULL AS name, r.calls, r.errors, ${histogramColumns}
       FROM rollup_services r JOIN services s ON s.id = r.service_id
       WHERE r.bucket > $1 AND r.bucket <= $2 ${rowBoundLimit}`,
      window,
    ),
    pool.query<RedRow>(
      `SELECT r.bucket, s.name AS service, o.name, r.calls, r.errors, ${histogramColumns}
       FROM rollup_operations r JOIN services s ON s.id = r.service_id JOIN operations o ON o.id = r.operation_id
       WHERE r.bucket > $1 AND r.bucket <= $2 AND o.kind IN (2, 5) ${rowBoundLimit}`,
      window,
    ),
    pool.query<RedRow>(
      `SELECT r.bucket, callee.name AS service, caller.name AS name, r.calls, r.errors, ${histogramColumns}
       FROM rollup_edges r
       JOIN services caller ON caller.id = r.caller_service_id
       JOIN services callee ON callee.id = r.callee_service_id
       WHERE r.bucket > $1 AND r.bucket <= $2 ${rowBoundLimit}`,
      window,
    ),
    pool.query<{ bucket: Date; service: string; name: string; unit: string; value: number }>(
      `SELECT r.bucket, s.name AS service, m.name, m.unit, r.value_sum / greatest(r.points, 1) AS value
       FROM rollup_metrics r JOIN services s ON s.id = r.service_id JOIN metrics m ON m.id = r.metric_id
       WHERE r.bucket > $1 AND r.bucket <= $2 ${rowBoundLimit}`,
      [from, metricsTo],
    ),
    pool.query<{ bucket: Date; service: string; records: string }>(
      `SELECT r.bucket, s.name AS service, sum(r.records) AS records
       FROM rollup_logs r JOIN services s ON s.id = r.service_id
       WHERE r.bucket > $1 AND r.bucket <= $2 AND r.severity >= 5
       GROUP BY r.bucket, s.name ${rowBoundLimit}`,
      window,
    ),
  ]);
  for (const [what, result] of Object.entries({ services, operations, edges, metrics, logs }))
    withinRowBound<unknown>(result.rows, `detection series (${what})`);
  return [
    ...services.rows.flatMap((r) => redPoints('svc', r)),
    ...operations.rows.flatMap((r) => redPoints('op', r, r.name ?? undefined)),
    ...edges.rows.flatMap((r) => redPoints('edge', { ...r, name: `from:${r.name}` })),
    ...callsInto(edges.rows).flatMap((r) => redPoints('edge', r)),
    ...metrics.rows.map((r) => ({
      seriesKey: `metric:${r.service}:${r.name}`,
      service: r.service,
      signal: 'metric' as const,
      bucket: r.bucket.getTime(),
      value: Number(r.value),
      unit: r.unit,
    })),
    ...logs.rows.map((r) => ({
      seriesKey: `logs:${r.service}:error`,
      service: r.service,
      signal: 'logs' as const,
      bucket: r.bucket.getTime(),
      value: Number(r.records),
    })),
  ];
}

/**
 * Services gone silent: their metrics arrived in each of `steady` consecutive buckets and none
 * since, for at most `lasting` buckets up to the one after `last`, while other services' did
 * arrive in that bucket (so it is not the pipeline lagging). A crashed or unreachable service
 * stops exporting altogether; its callers' spans are all that is left of it, and those that name
 * it settle only later (or never, when its callers are rare). Reported in each pass while it
 * lasts: silence that persists is persistence, as a reading off again is.
 */
export async function readSilentServices(
  pool: Pool,
  last: Date,
  bucketMs: number,
  steady = 3,
  lasting = 3,
): Promise<string[]> {
  const next = new Date(last.getTime() + bucketMs);
  const first = new Date(last.getTime() - (steady + lasting - 2) * bucketMs);
  const { rows } = await pool.query<{ service: string }>(
    `WITH seen AS (
       SELECT service_id, max(bucket) AS until FROM rollup_metrics
       WHERE bucket >= $1 AND bucket <= $2 GROUP BY service_id),
     steady AS (
       SELECT r.service_id FROM rollup_metrics r JOIN seen USING (service_id)
       WHERE r.bucket > seen.until - $4 * interval '1 millisecond' AND r.bucket <= seen.until
       GROUP BY r.service_id HAVING count(DISTINCT r.bucket) = $5)
     SELECT s.name AS service FROM seen JOIN steady USING (service_id)
       JOIN services s ON s.id = seen.service_id
     WHERE seen.until < $2 AND seen.until >= $3
       AND EXISTS (SELECT 1 FROM rollup_metrics WHERE bucket = $2)
     ORDER BY 1`,
    [first, next, new Date(next.getTime() - lasting * bucketMs), steady * bucketMs, steady],
  );
  return rows.map((r) => r.service);
}

/** Caller → callee service pairs seen in a window: the graph anomalies are correlated on. */
export async function readServiceEdges(pool: Pool, from: Date, to: Date) {
  const { rows } = await pool.query<{ caller: string; callee: string }>(
    `SELECT DISTINCT caller.name AS caller, callee.name AS callee
     FROM rollup_edges r
     JOIN services caller ON caller.id = r.caller_service_id
     JOIN services callee ON callee.id = r.callee_service_id
     WHERE r.bucket > $1 AND r.bucket <= $2 ${rowBoundLimit}`,
    [from, to],
  );
  return withinRowBound(rows, 'service edges');
}

export async function loadDetectorStates(
  pool: Pool,
  keys: string[],
): Promise<Map<string, unknown>> {
  const { rows } = await pool.query<{ series_key: string; state: unknown }>(
    'SELECT series_key, state FROM detector_state WHERE series_key = ANY($1)',
    [keys],
  );
  return new Map(rows.map((r) => [r.series_key, r.state]));
}

export interface StoredPass<R> {
  windowEnd: Date;
  result: R;
}

export async function findPass<R>(pool: Pool, passId: string): Promise<StoredPass<R> | undefined> {
  const { rows } = await pool.query<{ window_end: Date; result: R }>(
    'SELECT window_end, result FROM detection_pass WHERE pass_id = $1',
    [passId],
  );
  const row = rows[0];
  return row && { windowEnd: row.window_end, result: row.result };
}

export async function lastWindowEnd(pool: Pool): Promise<Date | undefined> {
  const { rows } = await pool.query<{ window_end: Date }>(
    'SELECT window_end FROM detection_pass ORDER BY window_end DESC LIMIT 1',
  );
  return rows[0]?.window_end;
}

/**
 * Commits a pass atomically: new detector states and the pass record. The pass row's primary
 * key makes a concurrent duplicate fail instead of double-advancing.
 */
export async function commitPass(
  pool: Pool,
  passId: string,
  windowEnd: Date,
  result: unknown,
  states: Map<string, unknown>,
): Promise<void> {
  await withTransaction(pool, async (client) => {
    if (states.size) {
      await client.query(
        `INSERT INTO detector_state (series_key, state, updated_at)
         SELECT k, s, now() FROM unnest($1::text[], $2::jsonb[]) AS t(k, s)
         ON CONFLICT (series_key) DO UPDATE SET state = EXCLUDED.state, updated_at = now()`,
        [[...states.keys()], [...states.values()].map((s) => JSON.stringify(s))],
      );
    }
    await client.query(
      'INSERT INTO detection_pass (pass_id, window_end, result) VALUES ($1, $2, $3)',
      [passId, windowEnd, JSON.stringify(result)],
    );
  });
}

/** The routes services serve: their server operations named by a path (see quotesOtherEndpoint). */
export async function readServiceEndpoints(
  pool: Pool,
): Promise<{ service: string; route: string }[]> {
  const { rows } = await pool.query<{ service: string; route: string }>(
    `SELECT DISTINCT s.name AS service, o.name AS route
     FROM operations o JOIN services s ON s.id = o.service_id
     WHERE o.kind = 2 AND o.name LIKE '/%' ${rowBoundLimit}`,
  );
  return withinRowBound(rows, 'service endpoints');
}
