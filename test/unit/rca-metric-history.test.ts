/**
 * A metric level the series' own history reached often enough is known, as a latency level or a
 * log line is (issue #20: pods' client-latency quantiles of a few calls jump from 0.005 s to 29 s
 * for a few minutes every half hour or so, and outranked the faulty service by 10^5 sigmas).
 */
import { describe, expect, it } from 'vitest';
import { metricKey, type Evidence } from '../../activities/rca/evidence';
import { metricBeyondHistory, scoreSeries } from '../../activities/rca/signals';
import { metricChange } from '../../activities/rca/stats';

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
