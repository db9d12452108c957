import { latencyBucket, latencyBucketCount } from './telemetry-histogram';

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
