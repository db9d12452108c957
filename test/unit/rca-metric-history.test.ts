/**
 * A metric level the series' own history reached often enough is known, as a latency level or a
 * log line is (issue #20: pods' client-latency quantiles of a few calls jump from 0.005 s to 29 s
 * for a few minutes every half hour or so, and outranked the faulty service by 10^5 sigmas).
 */
import { describe, expect, it } from 'vitest';
import { buildEvidence, metricKey, type Evidence } from '../../activities/rca/evidence';
import {
  changeFromHeldLevel,
  metricBeyondHistory,
  scoreSeries,
} from '../../activities/rca/signals';
import { metricChange } from '../../activities/rca/stats';
import type { MetricPoint } from '../../simulator/telemetry';

/** Ten baseline readings at a quiet level (a rounding step apart), then the fault's readings. */
const quiet = [0.005, 0.0049, 0.005, 0.0049, 0.005, 0.005, 0.0049, 0.005, 0.005, 0.0049];
const gauge = (fault: number[]) => [...quiet, ...fault];
/** An hour of one reading a minute: quiet, with a few minutes at 29 s now and then. */
const episodic = Array.from({ length: 60 }, (_, i) => (i % 20 < 3 ? 29 : 0.005));

describe('metricBeyondHistory', () => {
  it('reads a level the history reached every twenty minutes as known', () => {
    const values = gauge([29, 29]);
    expect(metricChange(values, quiet.length).z).toBeGreaterThan(1e4);
    expect(metricBeyondHistory(values, quiet.length, episodic).z).toBeLessThan(1);
  });

  it('keeps a change past anything the history reached', () => {
    const values = gauge([29, 29]);
    const calm = new Array<number>(60).fill(0.005);
    expect(metricBeyondHistory(values, quiet.length, calm)).toEqual(
      metricChange(values, quiet.length),
    );
    // A leak: memory past every level of the hour.
    const memory = Array.from({ length: 60 }, (_, i) => 200 + (i % 3));
    const leak = [...memory.slice(0, 10), 260, 270];
    expect(metricBeyondHistory(leak, 10, memory).z).toBeGreaterThan(0.9 * metricChange(leak, 10).z);
    expect(metricChange(leak, 10).z).toBeGreaterThan(10);
  });

  it('reads a fall to a level the history knows as known', () => {
    const busy = Array.from({ length: 60 }, (_, i) => (i % 2 ? 0.5 : 0.9));
    const fell = [...new Array<number>(10).fill(60), 0.9, 0.5];
    expect(Math.abs(metricChange(fell, 10).z)).toBeGreaterThan(5);
    expect(metricBeyondHistory(fell, 10, busy).z).toBeCloseTo(0);
  });

  it('leaves a series with too short a history, or no fault reading, alone', () => {
    const values = gauge([29, 29]);
    expect(metricBeyondHistory(values, quiet.length, [29, 29, 29])).toEqual(
      metricChange(values, quiet.length),
    );
    // Twelve readings, two at 29 s: too few to say a level is reached in a twentieth of them.
    const twelve = [...new Array<number>(10).fill(0.005), 29, 29];
    expect(metricBeyondHistory(values, quiet.length, twelve)).toEqual(
      metricChange(values, quiet.length),
    );
    expect(metricBeyondHistory(quiet, quiet.length, episodic)).toEqual(
      metricChange(quiet, quiet.length),
    );
  });
});

describe('changeFromHeldLevel', () => {
  it('reads a level the series held when the window began as no step', () => {
    const values = gauge([28.5, 28, 29]);
    const change = metricChange(values, quiet.length);
    expect(change.z).toBeGreaterThan(5);
    expect(changeFromHeldLevel(values, quiet.length, change, 28).z).toBeLessThan(0.2);
    expect(metricBeyondHistory(values, quiet.length, undefined, 28).z).toBeLessThan(0.2);
    expect(changeFromHeldLevel(values, quiet.length, change, undefined)).toEqual(change);
  });

  it('keeps the step of a window that goes past the held level', () => {
    const values = gauge([280, 290]);
    const change = metricChange(values, quiet.length);
    // Ten times the held level: ninety tenths of it.
    expect(changeFromHeldLevel(values, quiet.length, change, 28).z).toBeCloseTo(90);
    expect(changeFromHeldLevel(values, quiet.length, change, 0.005)).toEqual(change);
  });

  it('reads a fall to a level already held as no step', () => {
    const busy = [60, 61, 60, 59, 60, 61, 60, 60, 60, 61];
    const fell = [...busy, 1, 1, 1];
    const change = metricChange(fell, busy.length);
    expect(change.z).toBeLessThan(-5);
    expect(changeFromHeldLevel(fell, busy.length, change, 1).z).toBeCloseTo(0);
  });
});

describe('the held level in the evidence', () => {
  const series = { service: 'payment', instance: 'payment-0', name: 'PodClientLatencyP95(s)' };
  /** One reading each 10 s bucket, stamped at its end: quiet, 22 s from 150 s, 8.25 s in the window. */
  const points: MetricPoint[] = Array.from({ length: 22 }, (_, k) => {
    const at = (k + 1) * 10_000;
    return {
      ...series,
      timeUnixNano: BigInt(at) * 1_000_000n,
      unit: 's',
      value: at <= 140_000 ? 0.005 : at <= 200_000 ? 22 : 8.25,
      resource: {
        'service.name': 'payment',
        'service.version': '1',
        'service.instance.id': 'payment-0',
        'host.name': 'node-0',
        'k8s.pod.name': 'payment-0',
      },
    };
  });
  // Another incident on payment from 140 s: the baseline leaves out the minute of 22 s readings.
  const window = { baselineStart: 0, faultStart: 200_000, end: 220_000 };
  const excluded = [{ from: 140_000, to: 200_000 }];

  it('is the last reading before the window, even inside a left-out period', () => {
    const evidence = buildEvidence([], [], points, { ...window, excluded });
    expect(evidence.baselineBuckets).toBe(14);
    const [metric] = evidence.metrics;
    expect(metric?.values.slice(0, 14).every((v) => v === 0.005)).toBe(true);
    expect(metric?.held).toBe(22);
    const z = scoreSeries(evidence).find((s) => s.service === 'payment')?.z ?? NaN;
    expect(z).toBeCloseTo(0);
    expect(metricChange(metric?.values ?? [], 14).z).toBeGreaterThan(5);
  });
});

describe('scoreSeries', () => {
  it('scores a metric against the history the evidence carries', () => {
    const series = { service: 'payment', instance: 'payment-0', name: 'PodClientLatencyP99(s)' };
    const evidence: Evidence = {
      window: { baselineStart: 0, faultStart: 100_000, end: 120_000 },
      bucketMs: 10_000,
      bucketCount: 12,
      baselineBuckets: 10,
      services: ['payment'],
      operations: [],
      edges: [],
      metrics: [{ ...series, values: gauge([29, 29]) }],
      logs: {},
      traces: { normal: [], abnormal: [] },
    };
    const z = () => scoreSeries(evidence).find((s) => s.service === 'payment')?.z ?? NaN;
    expect(z()).toBeGreaterThan(1e4);
    evidence.metricHistory = { [metricKey(series)]: episodic };
    expect(z()).toBeLessThan(1);
  });
});
