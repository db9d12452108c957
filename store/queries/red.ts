import type { Pool } from '../db';
import { histogramQuantile } from '../telemetry-histogram';
import { rollupBucketSeconds } from '../telemetry-rollups';
import type { TimeWindow } from './traces';

/** Rate, errors and duration of calls in one step of a series. */
export interface RedPoint {
  bucket: Date;
  calls: number;
  errors: number;
  errorRate: number;
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface SeriesWindow extends TimeWindow {
  /** Width of one point in seconds, a multiple of the 10-second rollup bucket. */
  stepSeconds?: number;
}

/** A RED row as the rollup queries return it (`redAggregates` and `histogramOutput`). */
export interface RedRecord {
  bucket: Date;
  calls: string;
  errors: string;
  duration_sum_us: string;
  lo: number | null;
  counts: string[] | null;
}

export function toRedPoint(r: Omit<RedRecord, 'bucket'> & { bucket?: Date }): RedPoint {
  const calls = Number(r.calls);
  const errors = Number(r.errors);
  const histogram = { offset: r.lo ?? 0, counts: (r.counts ?? []).map(Number) };
  const ms = (q: number) => {
    const us = histogramQuantile(histogram, q);
    return us === null ? null : us / 1000;
  };
  return {
    bucket: r.bucket ?? new Date(0),
    calls,
    errors,
    errorRate: calls ? errors / calls : 0,
    meanMs: calls ? Number(r.duration_sum_us) / calls / 1000 : null,
    p50Ms: ms(0.5),
    p95Ms: ms(0.95),
    p99Ms: ms(0.99),
  };
}

/** Columns that sum rollup rows of one group into one RED record (histograms bucket-wise). */
export const redAggregates = `sum(r.calls) AS calls, sum(r.errors) AS errors,
  sum(r.duration_sum_us) AS duration_sum_us, hist_sum(r.latency) AS h`;
/** A summed histogram as (first bucket, counts): slicing re-bases an array at 1. */
export const histogramOutput = `array_lower(h, 1) AS lo, h[array_lower(h, 1):array_upper(h, 1)] AS counts`;

async function redSeries(
  pool: Pool,
  table: string,
  joinsAndFilter: string,
  params: unknown[],
  w: SeriesWindow,
): Promise<RedPoint[]> {
  const step = Math.max(rollupBucketSeconds, w.stepSeconds ?? rollupBucketSeconds);
  const n = params.length;
  const { rows } = await pool.query<RedRecord>(
    `SELECT bucket, calls, errors, duration_sum_us, ${histogramOutput} FROM (
       SELECT to_timestamp(floor(extract(epoch FROM r.bucket) / $${n + 3}) * $${n + 3}) AS bucket,
              ${redAggregates}
         FROM ${table} r ${joinsAndFilter}
          AND r.bucket >= $${n + 1} AND r.bucket < $${n + 2}
        GROUP BY 1) g
     ORDER BY bucket`,
    [...params, w.from, w.to, step],
  );
  return rows.map(toRedPoint);
}

/** A service's own calls (its SERVER/CONSUMER and root spans). */
export function serviceRed(pool: Pool, service: string, w: SeriesWindow): Promise<RedPoint[]> {
  return redSeries(
    pool,
    'rollup_services',
    'JOIN services s ON s.id = r.service_id WHERE s.name = $1',
    [service],
    w,
  );
}

/** One operation of a service; every span kind of that name unless `kind` is given. */
export function operationRed(
  pool: Pool,
  op: { service: string; operation: string; kind?: number },
  w: SeriesWindow,
): Promise<RedPoint[]> {
  return redSeries(
    pool,
    'rollup_operations',
    `JOIN operations o ON o.id = r.operation_id JOIN services s ON s.id = o.service_id
     WHERE s.name = $1 AND o.name = $2 AND ($3::int2 IS NULL OR o.kind = $3)`,
    [op.service, op.operation, op.kind ?? null],
    w,
  );
}

/** Calls from one service to another, measured on the callee side when it is instrumented. */
export function edgeRed(
  pool: Pool,
  edge: { caller: string; callee: string },
  w: SeriesWindow,
): Promise<RedPoint[]> {
  return redSeries(
    pool,
    'rollup_edges',
    `JOIN services a ON a.id = r.caller_service_id JOIN services z ON z.id = r.callee_service_id
     WHERE a.name = $1 AND z.name = $2`,
    [edge.caller, edge.callee],
    w,
  );
}
