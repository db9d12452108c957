import type pg from 'pg';
import { histogramLiteral, latencyBucket, latencyBucketCount } from './telemetry-histogram';

/** Rollups aggregate per 10-second bucket, identified by its start in Unix seconds. */
export const rollupBucketSeconds = 10;

export function rollupBucket(unixMicros: number): number {
  return Math.floor(unixMicros / (rollupBucketSeconds * 1e6)) * rollupBucketSeconds;
}

export interface LatencyRollup {
  bucket: number;
  calls: number;
  errors: number;
  durationSumUs: number;
  latency: Int32Array;
}
export interface OperationRollup extends LatencyRollup {
  operationId: number;
  serviceId: number;
}
export interface ServiceRollup extends LatencyRollup {
  serviceId: number;
}
export interface EdgeRollup extends LatencyRollup {
  callerServiceId: number;
  calleeServiceId: number;
}
export interface MetricRollup {
  bucket: number;
  metricId: number;
  serviceId: number;
  points: number;
  valueSum: number;
  valueMin: number | null;
  valueMax: number | null;
  observations: number;
}
export interface LogRollup {
  bucket: number;
  serviceId: number;
  severity: number;
  records: number;
}

function newLatency(bucket: number): LatencyRollup {
  return {
    bucket,
    calls: 0,
    errors: 0,
    durationSumUs: 0,
    latency: new Int32Array(latencyBucketCount),
  };
}

function addLatency(r: LatencyRollup, durationUs: number, latencyIndex: number, error: boolean) {
  r.calls++;
  if (error) r.errors++;
  r.durationSumUs += durationUs;
  r.latency[latencyIndex]!++;
}

function mergeLatency(into: LatencyRollup, from: LatencyRollup): void {
  into.calls += from.calls;
  into.errors += from.errors;
  into.durationSumUs += from.durationSumUs;
  for (let i = 0; i < latencyBucketCount; i++) into.latency[i]! += from.latency[i]!;
}

/** Two ids (each below 2^26) as one Map key. */
const pair = (a: number, b: number) => a * 67_108_864 + b;

/**
 * Rollup rows keyed by bucket, then by a numeric id: the per-span path builds no key strings.
 */
export class RollupMap<R extends { bucket: number }> {
  private readonly buckets = new Map<number, Map<number, R>>();
  size = 0;

  get(bucket: number, id: number): R | undefined {
    return this.buckets.get(bucket)?.get(id);
  }

  set(bucket: number, id: number, row: R): void {
    let rows = this.buckets.get(bucket);
    if (!rows) this.buckets.set(bucket, (rows = new Map()));
    if (!rows.has(id)) this.size++;
    rows.set(id, row);
  }

  *entries(): Generator<[bucket: number, id: number, row: R]> {
    for (const [bucket, rows] of this.buckets)
      for (const [id, row] of rows) yield [bucket, id, row];
  }

  *values(): Generator<R> {
    for (const rows of this.buckets.values()) yield* rows.values();
  }

  /** Folds `other` in: rows of the same key are combined, new ones copied. */
  merge(other: RollupMap<R>, combine: (into: R, from: R) => void, copy: (r: R) => R): void {
    for (const [bucket, id, row] of other.entries()) {
      const existing = this.get(bucket, id);
      if (existing) combine(existing, row);
      else this.set(bucket, id, copy(row));
    }
  }
}

const copyLatency = <T extends LatencyRollup>(r: T): T => ({
  ...r,
  latency: Int32Array.from(r.latency),
});

/**
 * Rollup increments of one request or one flush, keyed like the tables' primary keys. Adding
 * increments is associative, so per-request deltas merge into a flush and the flush merges
 * into the stored rows (upsertRollups) without losing exactness across batches.
 */
export class Rollups {
  readonly operations = new RollupMap<OperationRollup>();
  readonly services = new RollupMap<ServiceRollup>();
  readonly edges = new RollupMap<EdgeRollup>();
  readonly metrics = new RollupMap<MetricRollup>();
  readonly logs = new RollupMap<LogRollup>();
  /** Earliest and latest bucket (Unix seconds), so their partitions can be ensured. */
  minBucket = Infinity;
  maxBucket = -Infinity;

  private touch(bucket: number) {
    if (bucket < this.minBucket) this.minBucket = bucket;
    if (bucket > this.maxBucket) this.maxBucket = bucket;
  }

  /** A span's call: counted for its operation and, when `ofService`, for its service. */
  addSpan(
    bucket: number,
    operationId: number,
    serviceId: number,
    us: number,
    err: boolean,
    ofService: boolean,
  ) {
    this.touch(bucket);
    const index = latencyBucket(us);
    let op = this.operations.get(bucket, operationId);
    if (!op)
      this.operations.set(
        bucket,
        operationId,
        (op = { ...newLatency(bucket), operationId, serviceId }),
      );
    addLatency(op, us, index, err);
    if (!ofService) return;
    let svc = this.services.get(bucket, serviceId);
    if (!svc) this.services.set(bucket, serviceId, (svc = { ...newLatency(bucket), serviceId }));
    addLatency(svc, us, index, err);
  }

  addEdge(
    bucket: number,
    callerServiceId: number,
    calleeServiceId: number,
    us: number,
    err: boolean,
  ) {
    this.touch(bucket);
    const id = pair(callerServiceId, calleeServiceId);
    let r = this.edges.get(bucket, id);
    if (!r)
      this.edges.set(bucket, id, (r = { ...newLatency(bucket), callerServiceId, calleeServiceId }));
    addLatency(r, us, latencyBucket(us), err);
  }

  /** `value` is null for points without a recorded value; `observations` counts histograms. */
  addMetric(
    bucket: number,
    metricId: number,
    serviceId: number,
    value: number | null,
    obs: number,
  ) {
    this.touch(bucket);
    const id = pair(metricId, serviceId);
    let m = this.metrics.get(bucket, id);
    if (!m) {
      m = {
        bucket,
        metricId,
        serviceId,
        points: 0,
        valueSum: 0,
        valueMin: null,
        valueMax: null,
        observations: 0,
      };
      this.metrics.set(bucket, id, m);
    }
    m.points++;
    m.observations += obs;
    if (value !== null && Number.isFinite(value)) {
      m.valueSum += value;
      m.valueMin = m.valueMin === null ? value : Math.min(m.valueMin, value);
      m.valueMax = m.valueMax === null ? value : Math.max(m.valueMax, value);
    }
  }

  addLog(bucket: number, serviceId: number, severity: number) {
    this.touch(bucket);
    const id = serviceId * 8 + severity;
    const r = this.logs.get(bucket, id);
    if (r) r.records++;
    else this.logs.set(bucket, id, { bucket, serviceId, severity, records: 1 });
  }

  merge(other: Rollups): void {
    this.minBucket = Math.min(this.minBucket, other.minBucket);
    this.maxBucket = Math.max(this.maxBucket, other.maxBucket);
    this.operations.merge(other.operations, mergeLatency, copyLatency);
    this.services.merge(other.services, mergeLatency, copyLatency);
    this.edges.merge(other.edges, mergeLatency, copyLatency);
    this.metrics.merge(
      other.metrics,
      (r, m) => {
        r.points += m.points;
        r.observations += m.observations;
        r.valueSum += m.valueSum;
        r.valueMin = minOf(r.valueMin, m.valueMin);
        r.valueMax = maxOf(r.valueMax, m.valueMax);
      },
      (m) => ({ ...m }),
    );
    this.logs.merge(
      other.logs,
      (r, l) => (r.records += l.records),
      (l) => ({ ...l }),
    );
  }

  get size(): number {
    return (
      this.operations.size +
      this.services.size +
      this.edges.size +
      this.metrics.size +
      this.logs.size
    );
  }
}

const minOf = (a: number | null, b: number | null) =>
  a === null ? b : b === null ? a : Math.min(a, b);
const maxOf = (a: number | null, b: number | null) =>
  a === null ? b : b === null ? a : Math.max(a, b);

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
