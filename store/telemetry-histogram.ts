/**
 * The latency histogram layout stored in the rollup tables: bucket 0 holds durations under
 * 1 µs, bucket i ≥ 1 holds [2^((i-1)/4), 2^(i/4)) µs, so four buckets per doubling (each ~19%
 * wide, quantiles within ~±9%) and the last bucket (~18 minutes and up) takes the overflow.
 * Fixed bounds make histograms from different flushes addable bucket by bucket.
 */
export const latencyBucketCount = 122;
const bucketsPerOctave = 4;

export function latencyBucket(micros: number): number {
  if (!(micros >= 1)) return 0;
  const i = Math.floor(Math.log2(micros) * bucketsPerOctave) + 1;
  return i < latencyBucketCount ? i : latencyBucketCount - 1;
}

/** A representative duration of bucket `i` in µs (its geometric middle). */
export function latencyBucketMicros(i: number): number {
  return i <= 0 ? 0.5 : 2 ** ((i - 0.5) / bucketsPerOctave);
}

/** A histogram as stored: counts of consecutive buckets starting at bucket `offset`. */
export interface SparseHistogram {
  offset: number;
  counts: number[];
}

/** PostgreSQL array literal with explicit bounds, e.g. `[3:5]={1,0,2}`; `{}` when empty. */
export function histogramLiteral(dense: ArrayLike<number>): string {
  let lo = 0;
  while (lo < dense.length && dense[lo] === 0) lo++;
  if (lo === dense.length) return '{}';
  let hi = dense.length - 1;
  while (dense[hi] === 0) hi--;
  const values: number[] = [];
  for (let i = lo; i <= hi; i++) values.push(dense[i] ?? 0);
  return `[${lo}:${hi}]={${values.join(',')}}`;
}

/** How many requests the histogram counts. */
export function histogramRequests(h: SparseHistogram): number {
  return h.counts.reduce((a, b) => a + b, 0);
}

/** The q-quantile (0..1) in µs, or null for an empty histogram. */
export function histogramQuantile(h: SparseHistogram, q: number): number | null {
  const total = histogramRequests(h);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    seen += h.counts[i] ?? 0;
    if (seen >= rank) return latencyBucketMicros(h.offset + i);
  }
  return latencyBucketMicros(h.offset + h.counts.length - 1);
}
