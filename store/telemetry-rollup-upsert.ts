import type pg from 'pg';
import { histogramLiteral } from './telemetry-histogram';
import type { LatencyRollup, Rollups } from './telemetry-rollups';

/** Rows sorted by primary key, so concurrent flushes lock rollup rows in one order (no deadlock). */
function sorted<T>(rows: Iterable<T>, ...keys: ((r: T) => number)[]): T[] {
  return [...rows].sort((a, b) => {
    for (const k of keys) {
      const d = k(a) - k(b);
      if (d !== 0) return d;
    }
    return 0;
  });
}

const latencyColumns = (rows: LatencyRollup[]) => [
  rows.map((r) => r.bucket),
  rows.map((r) => r.calls),
  rows.map((r) => r.errors),
  rows.map((r) => Math.round(r.durationSumUs)),
  rows.map((r) => histogramLiteral(r.latency)),
];

const mergeLatencySql = `calls = t.calls + EXCLUDED.calls, errors = t.errors + EXCLUDED.errors,
  duration_sum_us = t.duration_sum_us + EXCLUDED.duration_sum_us,
  latency = hist_merge(t.latency, EXCLUDED.latency)`;

/** Adds the increments to the stored rollups (one statement per table, in key order). */
export async function upsertRollups(client: pg.PoolClient, r: Rollups): Promise<void> {
  if (r.operations.size) {
    const rows = sorted(
      r.operations.values(),
      (x) => x.operationId,
      (x) => x.bucket,
    );
    await client.query(
      `INSERT INTO rollup_operations AS t
         (bucket, calls, errors, duration_sum_us, latency, operation_id, service_id)
       SELECT to_timestamp(b), c, e, d, h::int4[], o, s
         FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::text[], $6::int4[], $7::int4[])
           AS u(b, c, e, d, h, o, s)
       ON CONFLICT (operation_id, bucket) DO UPDATE SET ${mergeLatencySql}`,
      [...latencyColumns(rows), rows.map((x) => x.operationId), rows.map((x) => x.serviceId)],
    );
  }
  if (r.services.size) {
    const rows = sorted(
      r.services.values(),
      (x) => x.serviceId,
      (x) => x.bucket,
    );
    await client.query(
      `INSERT INTO rollup_services AS t
         (bucket, calls, errors, duration_sum_us, latency, service_id)
       SELECT to_timestamp(b), c, e, d, h::int4[], s
         FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::text[], $6::int4[])
           AS u(b, c, e, d, h, s)
       ON CONFLICT (service_id, bucket) DO UPDATE SET ${mergeLatencySql}`,
      [...latencyColumns(rows), rows.map((x) => x.serviceId)],
    );
  }
  if (r.edges.size) {
    const rows = sorted(
      r.edges.values(),
      (x) => x.callerServiceId,
      (x) => x.calleeServiceId,
      (x) => x.bucket,
    );
    await client.query(
      `INSERT INTO rollup_edges AS t
         (bucket, calls, errors, duration_sum_us, latency, caller_service_id, callee_service_id)
       SELECT to_timestamp(b), c, e, d, h::int4[], a, z
         FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::text[], $6::int4[], $7::int4[])
           AS u(b, c, e, d, h, a, z)
       ON CONFLICT (caller_service_id, callee_service_id, bucket) DO UPDATE SET ${mergeLatencySql}`,
      [
        ...latencyColumns(rows),
        rows.map((x) => x.callerServiceId),
        rows.map((x) => x.calleeServiceId),
      ],
    );
  }
  if (r.metrics.size) {
    const rows = sorted(
      r.metrics.values(),
      (x) => x.metricId,
      (x) => x.serviceId,
      (x) => x.bucket,
    );
    await client.query(
      `INSERT INTO rollup_metrics AS t
         (bucket, metric_id, service_id, points, value_sum, value_min, value_max, observations)
       SELECT to_timestamp(b), m, s, p, v, lo, hi, o
         FROM unnest($1::int8[], $2::int4[], $3::int4[], $4::int8[], $5::float8[], $6::float8[],
                     $7::float8[], $8::int8[]) AS u(b, m, s, p, v, lo, hi, o)
       ON CONFLICT (metric_id, service_id, bucket) DO UPDATE SET
         points = t.points + EXCLUDED.points, value_sum = t.value_sum + EXCLUDED.value_sum,
         value_min = least(t.value_min, EXCLUDED.value_min),
         value_max = greatest(t.value_max, EXCLUDED.value_max),
         observations = t.observations + EXCLUDED.observations`,
      [
        rows.map((x) => x.bucket),
        rows.map((x) => x.metricId),
        rows.map((x) => x.serviceId),
        rows.map((x) => x.points),
        rows.map((x) => x.valueSum),
        rows.map((x) => x.valueMin),
        rows.map((x) => x.valueMax),
        rows.map((x) => x.observations),
      ],
    );
  }
  if (r.logs.size) {
    const rows = sorted(
      r.logs.values(),
      (x) => x.serviceId,
      (x) => x.severity,
      (x) => x.bucket,
    );
    await client.query(
      `INSERT INTO rollup_logs AS t (bucket, service_id, severity, records)
       SELECT to_timestamp(b), s, v, n
         FROM unnest($1::int8[], $2::int4[], $3::int2[], $4::int8[]) AS u(b, s, v, n)
       ON CONFLICT (service_id, severity, bucket) DO UPDATE SET records = t.records + EXCLUDED.records`,
      [
        rows.map((x) => x.bucket),
        rows.map((x) => x.serviceId),
        rows.map((x) => x.severity),
        rows.map((x) => x.records),
      ],
    );
  }
}
