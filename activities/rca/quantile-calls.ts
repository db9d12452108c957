import type { MetricSeries, Series } from './evidence';
import { median, present, secondLargest, type RobustChange } from './stats';

/**
 * A latency quantile read as a gauge (a pod's `…LatencyP99(s)`, an exporter's `…_p95` in ms) is
 * only as strong as the calls behind it. Over four calls a minute a P99 is the slowest of them,
 * so a jump from 5 ms to 29 s is one slow call; over four thousand it is forty. The robust change
 * scores both alike against a baseline whose spread is a histogram's rounding step. Here the
 * reading is counted as what it asserts: at least `max(1, (1 − q)·n)` of its n calls were that
 * slow. The window's slow calls are held against what the baseline's calls make expected, as a
 * count (the signed root of the Poisson deviance), which grows with the calls behind it.
 */

/** UCUM units of time in which requests are timed (the detection reads the same units). */
const requestTimeUnits = new Set(['ns', 'us', 'ms', 's']);

/**
 * Names that say a time is a request's (`…Latency…`, OpenTelemetry's `….duration`, Prometheus'
 * `…_duration_seconds`, `response_time`), not a timer's or a collector's (an event loop's delay,
 * a GC pause), whose samples are no calls.
 */
const requestTimeName = /latency|duration|response.?time/i;

/** The quantile a gauge's name says it is (`P99` → 0.99, `p999` → 0.999), when it says one. */
export function quantileOfName(name: string): number | undefined {
  const digits = /p(\d{2,3})(?!\d)/i.exec(name)?.[1];
  return digits === undefined ? undefined : Number(digits) / 10 ** digits.length;
}

/** The quantile of a gauge that times requests, or undefined for any other metric. */
export function requestQuantile(metric: Pick<MetricSeries, 'name' | 'unit'>): number | undefined {
  return metric.unit !== undefined &&
    requestTimeUnits.has(metric.unit) &&
    requestTimeName.test(metric.name)
    ? quantileOfName(metric.name)
    : undefined;
}

/**
 * The calls behind each reading (0 where there is none): the calls of the buckets since the
 * previous reading, the first reading's over the series' usual spacing; at least one, since a
 * quantile of no calls is not reported.
 */
export function callsBehindReadings(values: Series, calls: readonly number[]): number[] {
  const at = values.flatMap((v, b) => (v === null ? [] : [b]));
  const spacings = at.slice(1).map((b, i) => b - (at[i] ?? 0));
  const spacing = spacings.length ? Math.max(1, Math.round(median(spacings))) : 1;
  const out = new Array<number>(values.length).fill(0);
  at.forEach((b, i) => {
    const from = i === 0 ? b - spacing + 1 : (at[i - 1] ?? 0) + 1;
    let n = 0;
    for (let k = Math.max(0, from); k <= b; k++) n += calls[k] ?? 0;
    out[b] = Math.max(1, n);
  });
  return out;
}

/** Signed root of the Poisson deviance of `observed` against `expected` (> 0). */
function poissonZ(observed: number, expected: number): number {
  const deviance =
    2 * ((observed > 0 ? observed * Math.log(observed / expected) : 0) - (observed - expected));
  return Math.sign(observed - expected) * Math.sqrt(Math.max(0, deviance));
}

/**
 * How far the calls behind a quantile's readings carry its change (a z of `change`'s direction,
 * at least 0): the slow calls of the fault window (readings at or past halfway from the
 * baseline's median to the window's reading the change scored) against the baseline's share.
 */
export function slowCallsZ(
  values: Series,
  calls: readonly number[],
  quantile: number,
  baselineBuckets: number,
  change: RobustChange,
): number {
  if (change.z === 0) return 0;
  const base = present(values.slice(0, baselineBuckets));
  const fault = present(values.slice(baselineBuckets));
  const rise = change.z > 0;
  const reached = rise ? secondLargest(fault) : -secondLargest(fault.map((v) => -v));
  const level = (median(base) + reached) / 2;
  const behind = callsBehindReadings(values, calls);
  const tally = { base: { slow: 0, calls: 0 }, fault: { slow: 0, calls: 0 } };
  values.forEach((v, b) => {
    if (v === null) return;
    const n = behind[b] ?? 1;
    const t = b < baselineBuckets ? tally.base : tally.fault;
    t.calls += n;
    if (v >= level) t.slow += Math.max(1, Math.round((1 - quantile) * n));
  });
  const share = (tally.base.slow + 0.5) / (tally.base.calls + 1);
  const z = poissonZ(tally.fault.slow, share * tally.fault.calls);
  return Math.max(0, rise ? z : -z);
}

/**
 * How far the calls behind a metric carry `change` (its robust change), when it is a
 * request-timing quantile of an instance whose calls the evidence counts (`callsByInstance`);
 * undefined for any other metric, or when `change` measured none.
 */
export function callsCarried(
  metric: MetricSeries,
  callsByInstance: Readonly<Record<string, number[]>> | undefined,
  baselineBuckets: number,
  change: RobustChange,
): number | undefined {
  const quantile = requestQuantile(metric);
  const calls = callsByInstance?.[metric.instance];
  // A change the baseline cannot measure has nothing for the calls to carry or to bound.
  if (quantile === undefined || !calls || change.z === 0) return undefined;
  return slowCallsZ(metric.values, calls, quantile, baselineBuckets, change);
}

/** A metric's robust change, no larger than the calls behind it carry (see `callsCarried`). */
export function callsCarry(
  metric: MetricSeries,
  callsByInstance: Readonly<Record<string, number[]>> | undefined,
  baselineBuckets: number,
  change: RobustChange,
): RobustChange {
  const carried = callsCarried(metric, callsByInstance, baselineBuckets, change);
  return carried === undefined || Math.abs(change.z) <= carried
    ? change
    : { z: Math.sign(change.z) * carried, delta: change.delta };
}
