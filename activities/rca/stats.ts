import type { Series } from './evidence';

/** Small numeric helpers shared by the ranking methods (pure, allocation-light). */

export function present(values: Series): number[] {
  const out: number[] = [];
  for (const v of values) if (v !== null && Number.isFinite(v)) out.push(v);
  return out;
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const a = sorted[lo] ?? NaN;
  const b = sorted[Math.min(sorted.length - 1, lo + 1)] ?? a;
  return a + (b - a) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((s, x) => s + x, 0) / values.length : NaN;
}

/** Second largest value (largest when only one): a max that a single noisy bucket cannot set. */
export function secondLargest(values: readonly number[]): number {
  let first = -Infinity;
  let second = -Infinity;
  for (const v of values) {
    if (v > first) {
      second = first;
      first = v;
    } else if (v > second) second = v;
  }
  return second === -Infinity ? first : second;
}

export interface RobustChange {
  /** Robust z of the fault window (second largest bucket), signed by direction. */
  z: number;
  /** Median fault value minus median baseline value, in the series' unit. */
  delta: number;
}

/** Fewer baseline points than this (a per-minute scrape over a few minutes) measure no spread. */
const fewPoints = 6;

/** The least noise of a share of calls (an error rate) in one bucket, whatever the traffic. */
export const leastShareNoise = 0.005;

/** The least scale of a series at level m: a fiftieth of it (and never zero). */
const relativeFloor = (m: number) => Math.max(0.02 * Math.abs(m), 1e-9);

/** The robust spread of values about their median m (IQR / 1.349), at least `floor(m)`. */
export function robustScale(
  values: readonly number[],
  m: number,
  floor: (median: number) => number = relativeFloor,
): number {
  return Math.max((quantile(values, 0.75) - quantile(values, 0.25)) / 1.349, floor(m));
}

/** Fewer baseline points than this measure no change at all. */
const leastBaseline = 3;

/** Whether `robustChange` can measure the series: a baseline to hold the fault window against. */
export function measurable(values: Series, baselineBuckets: number): boolean {
  return (
    present(values.slice(0, baselineBuckets)).length >= leastBaseline &&
    present(values.slice(baselineBuckets)).length > 0
  );
}

/**
 * BARO-style robust change of one series: fault buckets scaled by the baseline median and IQR.
 * `floor` bounds the scale from below (constant baselines would otherwise divide by zero). An
 * IQR of three or four points is mostly luck (two equal scrapes make it zero, and a counter
 * going from 0 to 2 a change of millions of sigmas), so a sparse series is scaled by at least a
 * tenth of its level: it can say "changed several-fold", never more, unless the caller knows the
 * series' noise (`floor`: a call gap, an error rate). Then a sparse series is scaled by a tenth of
 * its baseline level only, so a shift of the whole window (a call gap from 5 ms to 2 s, its
 * median and not one slow bucket) says how far it went instead of the same "several-fold" as a
 * gap from 3 to 4 ms in a busy edge's noise; one slow bucket still cannot, the second-worst
 * bucket is scored. A flat baseline of a series whose noise the caller does not know (no
 * `floor`: a quiet service's gauge that never moved) measures no spread either: it is scaled by
 * a tenth of the larger of its level and the fault's values, so a reading there is a several-fold
 * change, not a trillion sigmas.
 */
export function robustChange(
  values: Series,
  baselineBuckets: number,
  floor?: (baselineMedian: number) => number,
): RobustChange {
  if (!measurable(values, baselineBuckets)) return { z: 0, delta: 0 };
  const base = present(values.slice(0, baselineBuckets));
  const fault = present(values.slice(baselineBuckets));
  const m = median(base);
  // The fault's own level bounds a sparse series of unknown noise; a caller's floor is its noise.
  const level = floor ? Math.abs(m) : Math.max(Math.abs(m), Math.abs(median(fault)));
  const sparse = base.length < fewPoints ? 0.1 * level : 0;
  const flat =
    floor === undefined && quantile(base, 0.75) === quantile(base, 0.25)
      ? 0.1 * Math.max(Math.abs(m), ...fault.map((v) => Math.abs(v)))
      : 0;
  const scale = Math.max(robustScale(base, m, floor ?? relativeFloor), sparse, flat);
  const up = secondLargest(fault.map((v) => (v - m) / scale));
  const down = secondLargest(fault.map((v) => (m - v) / scale));
  return { z: up >= down ? up : -down, delta: median(fault) - m };
}

/**
 * Robust change of a per-bucket rate (errors/calls): the floor is the binomial noise of one
 * bucket at the baseline rate, so low-traffic series do not look alarming by chance.
 */
export function rateChange(
  numerator: readonly number[],
  denominator: readonly number[],
  baselineBuckets: number,
): RobustChange {
  const rates: Series = denominator.map((d, i) => (d > 0 ? (numerator[i] ?? 0) / d : null));
  const baseCalls = denominator.slice(0, baselineBuckets);
  const callsPerBucket = Math.max(1, mean(baseCalls));
  const baseErrors = numerator.slice(0, baselineBuckets).reduce((s, x) => s + x, 0);
  const p = (baseErrors + 0.5) / (baseCalls.reduce((s, x) => s + x, 0) + 1);
  return robustChange(rates, baselineBuckets, () =>
    Math.max(Math.sqrt((p * (1 - p)) / callsPerBucket), leastShareNoise),
  );
}

/**
 * Robust change of a metric of unknown meaning. A metric whose every value is a share in [0, 1]
 * and whose baseline never left zero (an error ratio read from Prometheus, which comes without
 * its calls) is scaled as the RED path scales an error rate at its least noise, not by the 1e-9
 * that only keeps the division finite: one failed request is not twenty million sigmas. A sparse
 * series keeps its own scale (a tenth of its level).
 */
export function metricChange(values: Series, baselineBuckets: number): RobustChange {
  const all = present(values);
  const base = present(values.slice(0, baselineBuckets));
  const zeroShare =
    base.length >= fewPoints && base.every((v) => v === 0) && all.every((v) => v >= 0 && v <= 1);
  return zeroShare
    ? robustChange(values, baselineBuckets, () => leastShareNoise)
    : robustChange(values, baselineBuckets);
}

/** Fills gaps with the last value seen (or the first present value), for regressions. */
export function filled(values: Series): number[] {
  const first = values.find((v): v is number => v !== null) ?? 0;
  let last = first;
  return values.map((v) => (v === null ? last : (last = v)));
}

/**
 * Ridge regression y ~ X on standardised columns, solved by Gaussian elimination.
 * Returns a predictor for new rows. Small, dense and exact: fine for tens of parents.
 */
export function ridge(
  rows: readonly number[][],
  y: readonly number[],
  lambda: number,
): (row: readonly number[]) => number {
  const n = rows.length;
  const p = rows[0]?.length ?? 0;
  const yMean = mean(y);
  if (p === 0 || n === 0) return () => yMean;
  const mu = new Array<number>(p).fill(0);
  const sd = new Array<number>(p).fill(0);
  for (let j = 0; j < p; j++) {
    const col = rows.map((r) => r[j] ?? 0);
    mu[j] = mean(col);
    sd[j] = Math.sqrt(mean(col.map((v) => (v - (mu[j] ?? 0)) ** 2))) || 1;
  }
  const z = rows.map((r) => r.map((v, j) => (v - (mu[j] ?? 0)) / (sd[j] ?? 1)));
  // Normal equations (ZᵀZ + λnI) w = Zᵀ(y − ȳ).
  const a = Array.from({ length: p }, (_, i) =>
    Array.from({ length: p + 1 }, (_, j) => {
      let s = 0;
      if (j < p) {
        for (let k = 0; k < n; k++) s += (z[k]?.[i] ?? 0) * (z[k]?.[j] ?? 0);
        return s + (i === j ? lambda * n : 0);
      }
      for (let k = 0; k < n; k++) s += (z[k]?.[i] ?? 0) * ((y[k] ?? 0) - yMean);
      return s;
    }),
  );
  const w = solve(a, p);
  return (row) => {
    let s = yMean;
    for (let j = 0; j < p; j++) s += (w[j] ?? 0) * (((row[j] ?? 0) - (mu[j] ?? 0)) / (sd[j] ?? 1));
    return s;
  };
}

/** Solves the augmented p×(p+1) system in place (partial pivoting). */
function solve(a: number[][], p: number): number[] {
  for (let col = 0; col < p; col++) {
    let pivot = col;
    for (let r = col + 1; r < p; r++) {
      if (Math.abs(a[r]?.[col] ?? 0) > Math.abs(a[pivot]?.[col] ?? 0)) pivot = r;
    }
    const tmp = a[col];
    const pivotRow = a[pivot];
    if (!tmp || !pivotRow) continue;
    a[col] = pivotRow;
    a[pivot] = tmp;
    const d = pivotRow[col] ?? 0;
    if (Math.abs(d) < 1e-12) continue;
    for (let r = 0; r < p; r++) {
      const row = a[r];
      if (r === col || !row) continue;
      const f = (row[col] ?? 0) / d;
      if (f === 0) continue;
      for (let c = col; c <= p; c++) row[c] = (row[c] ?? 0) - f * (pivotRow[c] ?? 0);
    }
  }
  return a.map((row, i) => {
    const d = row[i] ?? 0;
    return Math.abs(d) < 1e-12 ? 0 : (row[p] ?? 0) / d;
  });
}
