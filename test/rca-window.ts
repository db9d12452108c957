/**
 * Hand-built RCA evidence for unit tests: a 3-minute baseline and a 3-minute fault window of
 * 10-second buckets, with series that jitter a little so robust scales are not zero.
 */
import type { Evidence, RedSeries } from '../activities/rca/evidence';

export const baselineBuckets = 18;
export const faultBuckets = 18;
export const bucketCount = baselineBuckets + faultBuckets;

/** A RED series whose latency is `ms(bucket)` in every bucket, with `calls` calls each. */
export function redSeries(ms: (bucket: number) => number, calls: number): RedSeries {
  const levels = Array.from({ length: bucketCount }, (_, b) => ms(b));
  return {
    calls: levels.map(() => calls),
    errors: levels.map(() => 0),
    meanMs: levels,
    p50Ms: levels,
    p95Ms: levels,
    p99Ms: levels,
  };
}

/** `level` ms with a jitter of up to 0.2 ms. */
export const jittered =
  (level: number) =>
  (bucket: number): number =>
    level + (bucket % 3) * 0.1;

/** Evidence over the window with nothing in it but what `parts` gives. */
export function windowEvidence(
  parts: Pick<Evidence, 'services' | 'operations'> & Partial<Evidence>,
): Evidence {
  return {
    window: { baselineStart: 0, faultStart: 180_000, end: 360_000 },
    bucketMs: 10_000,
    bucketCount,
    baselineBuckets,
    edges: [],
    metrics: [],
    logs: {},
    traces: { normal: [], abnormal: [] },
    ...parts,
  };
}
