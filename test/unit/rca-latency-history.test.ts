/**
 * A latency level the service already had in the store's history before the baseline is not
 * this fault's change: a quiet operation's odd slow buckets, which a short baseline (or one
 * repeated minute) never saw, do not outrank a service whose latency is new.
 */
import { describe, expect, it } from 'vitest';
import { baro } from '../../activities/rca/baro';
import type { Evidence, OperationSeries } from '../../activities/rca/evidence';
import type { OperationLatencyLevel } from '../../activities/rca/latency-history';
import { latencyHistory } from '../../activities/rca/latency-history';
import { knownLevelShare } from '../../activities/rca/signals';
import { baselineBuckets, jittered, redSeries, windowEvidence } from '../rca-window';

/** An operation at `level` ms with a little jitter, and `fault` ms in the given window buckets. */
function operation(service: string, level: number, fault: Record<number, number>): OperationSeries {
  const usual = jittered(level);
  return {
    service,
    operation: 'GET /',
    red: redSeries((b) => fault[b - baselineBuckets] ?? usual(b), 2),
  };
}

function evidence(history?: OperationLatencyLevel[]): Evidence {
  return windowEvidence({
    services: ['orders', 'prices'],
    // Orders has two slow buckets in the window, as it has every few minutes in the hour before;
    // prices is twice as slow from the fault on, which the hour before never saw.
    operations: [
      operation('orders', 5, { 3: 25, 9: 22 }),
      operation('prices', 5, { 2: 10, 5: 10, 8: 10, 11: 10 }),
    ],
    ...(history && { latencyHistory: latencyHistory(history) }),
  });
}

/** An hour of 10-second levels: the usual 5 ms and, if `spiky`, 20–30 ms one time in eight. */
function hour(service: string, spiky = true): OperationLatencyLevel[] {
  return Array.from({ length: 360 }, (_, b) => {
    const ms = spiky && b % 8 === 0 ? 20 + (b % 11) : 5 + (b % 3) * 0.1;
    return { service, operation: 'GET /', meanMs: ms, p95Ms: ms };
  });
}

describe('latency judged against the store history', () => {
  it('ranks first the service whose level is new, not the one whose slow buckets are usual', () => {
    // Without history the short, still baseline makes the usual slow buckets look alarming.
    expect(baro.rank(evidence())[0]?.service).toBe('orders');

    const ranked = baro.rank(evidence([...hour('orders'), ...hour('prices', false)]));

    expect(ranked[0]?.service).toBe('prices');
    expect(ranked.find((c) => c.service === 'orders')?.score).toBe(0);
  });

  it('keeps the baseline judgement where the history is too short to say anything', () => {
    const ranked = baro.rank(evidence([...hour('orders').slice(0, 5), ...hour('prices', false)]));
    expect(ranked[0]?.service).toBe('orders');
  });

  it('calls a level known when a window of its length reaches it twice with a 5% chance', () => {
    for (const n of [2, 10, 18, 60]) {
      const p = knownLevelShare(n);
      const atLeastTwo = 1 - (1 - p) ** n - n * p * (1 - p) ** (n - 1);
      expect(atLeastTwo).toBeCloseTo(0.05, 6);
    }
    expect(knownLevelShare(18)).toBeLessThan(knownLevelShare(10));
  });
});
