/**
 * A latency quantile read as a pod's gauge is only as strong as the calls behind it: over a few
 * calls a minute its P99 is one slow call, which must not outrank a service whose own requests
 * all slowed; over thousands of calls the same jump is many slow calls and stays strong.
 */
import { describe, expect, it } from 'vitest';
import { baro } from '../../activities/rca/baro';
import { circa } from '../../activities/rca/circa';
import type { Evidence, MetricSeries, RedSeries } from '../../activities/rca/evidence';
import {
  callsBehindReadings,
  callsCarry,
  quantileOfName,
  requestQuantile,
} from '../../activities/rca/quantile-calls';
import { scoreSeries } from '../../activities/rca/signals';
import { metricChange } from '../../activities/rca/stats';

/** Ten minutes of baseline and two of fault, in 10-second buckets; a scrape every minute. */
const baselineBuckets = 60;
const bucketCount = 72;
const scraped = (b: number) => b % 6 === 5;

/** A pod's P99 gauge at 5 ms, and at `faultSeconds` in the window's two scrapes. */
function p99(service: string, faultSeconds: number, unit = 's'): MetricSeries {
  return {
    service,
    instance: `${service}-pod`,
    name: 'PodClientLatencyP99(s)',
    unit,
    values: Array.from({ length: bucketCount }, (_, b) =>
      scraped(b) ? (b < baselineBuckets ? 0.005 - (b % 4) * 1e-5 : faultSeconds) : null,
    ),
  };
}

/** Twenty calls a bucket at 40 ms (a little jitter), at 80 ms from the fault on. */
const ms = Array.from({ length: bucketCount }, (_, b) => (b < baselineBuckets ? 40 : 80) + (b % 5));
const twiceAsSlow: RedSeries = {
  calls: ms.map(() => 20),
  errors: ms.map(() => 0),
  meanMs: ms,
  p50Ms: ms,
  p95Ms: ms,
  p99Ms: ms,
};

/** `perBucket` calls in every bucket. */
const steady = (perBucket: number) => new Array<number>(bucketCount).fill(perBucket);

/**
 * The preserve service's requests twice as slow from the fault on (its own spans), beside a
 * payment pod whose P99 jumps to 29 s; payment serves `paymentCalls` calls a bucket.
 */
function evidence(paymentCalls?: number, unit = 's'): Evidence {
  return {
    window: { baselineStart: 0, faultStart: 600_000, end: 720_000 },
    bucketMs: 10_000,
    bucketCount,
    baselineBuckets,
    services: ['payment', 'preserve'],
    operations: [
      {
        service: 'preserve',
        operation: 'POST /preserve',
        red: twiceAsSlow,
      },
    ],
    edges: [],
    metrics: [p99('payment', 29, unit)],
    logs: {},
    traces: { normal: [], abnormal: [] },
    ...(paymentCalls !== undefined && {
      callsByInstance: { 'payment-pod': steady(paymentCalls), 'preserve-pod': steady(20) },
    }),
  };
}

describe('a latency quantile counts as far as its calls carry it', () => {
  it('reads the quantile from the name, and only of a gauge that times requests', () => {
    expect(quantileOfName('PodClientLatencyP99(s)')).toBeCloseTo(0.99);
    expect(quantileOfName('http_server_duration_p95')).toBeCloseTo(0.95);
    expect(quantileOfName('latency.p999')).toBeCloseTo(0.999);
    expect(quantileOfName('CpuUsage(m)')).toBeUndefined();
    expect(requestQuantile({ name: 'PodClientLatencyP99(s)', unit: 's' })).toBeCloseTo(0.99);
    expect(requestQuantile({ name: 'PodClientLatencyP99(s)', unit: 'By' })).toBeUndefined();
    expect(requestQuantile({ name: 'http.server.request.duration.p95', unit: 's' })).toBeCloseTo(
      0.95,
    );
    expect(requestQuantile({ name: 'db.operation.duration.avg', unit: 'ms' })).toBeUndefined();
    // An event loop's delay is timed by a timer's samples, not by calls.
    expect(requestQuantile({ name: 'nodejs.eventloop.delay.p99', unit: 'ms' })).toBeUndefined();
  });

  it('counts the calls since the previous reading behind each reading, at least one', () => {
    const values = [null, 1, null, null, 2, null, 3];
    const calls = [1, 2, 0, 0, 0, 4, 5];
    // The first reading's interval is the usual spacing (3 buckets, here cut at the start).
    expect(callsBehindReadings(values, calls)).toEqual([0, 3, 0, 0, 1, 0, 9]);
  });

  it("does not let a quiet pod's one slow call outrank a service whose requests all slowed", () => {
    // Without the calls behind it the jump from 5 ms to 29 s is some 10^5 robust sigmas.
    expect(baro.rank(evidence())[0]?.service).toBe('payment');
    // A pod serving a call every 20 s: its P99 is one call.
    const quiet = evidence(0.5);
    expect(baro.rank(quiet)[0]?.service).toBe('preserve');
    const gauge = scoreSeries(quiet).find((s) => s.service === 'payment');
    expect(gauge?.z).toBeGreaterThan(0);
    expect(gauge?.z).toBeLessThan(5);
    expect(circa.rank(quiet).find((c) => c.service === 'payment')?.score).toBeLessThan(5);
  });

  it('keeps the same jump strong over many calls, and leaves other metrics alone', () => {
    const quietZ = scoreSeries(evidence(0.5)).find((s) => s.service === 'payment')?.z ?? 0;
    // Fifty calls a second: each scrape's P99 is thirty slow calls.
    const busyZ = scoreSeries(evidence(500)).find((s) => s.service === 'payment')?.z ?? 0;
    expect(busyZ).toBeGreaterThan(20);
    expect(busyZ).toBeGreaterThan(5 * quietZ);
    // A gauge in bytes is no latency: its change stands as the robust change scores it.
    const bytes = p99('payment', 29, 'By');
    const change = metricChange(bytes.values, baselineBuckets);
    expect(callsCarry(bytes, { 'payment-pod': steady(0.5) }, baselineBuckets, change)).toEqual(
      change,
    );
    // Nor does a quantile of an instance whose calls the evidence does not count.
    const gauge = p99('payment', 29);
    expect(callsCarry(gauge, {}, baselineBuckets, change)).toEqual(change);
  });

  it('reads a fall the same way: a quiet pod whose slow calls stop', () => {
    const fell: MetricSeries = {
      ...p99('payment', 0.005),
      values: p99('payment', 0.005).values.map((v, b) =>
        v === null ? null : b < baselineBuckets ? 25 + (b % 7) : 0.005,
      ),
    };
    const change = metricChange(fell.values, baselineBuckets);
    expect(change.z).toBeLessThan(-10);
    const carried = callsCarry(fell, { 'payment-pod': steady(0.5) }, baselineBuckets, change);
    expect(carried.z).toBeLessThan(0);
    expect(carried.z).toBeGreaterThan(-5);
    expect(carried.delta).toBe(change.delta);
  });
});
