import { describe, expect, it } from 'vitest';
import {
  burstWarmupMs,
  trackTemplateBursts,
  type TemplateBurstState,
} from '../../detectors/anomaly/template-burst';
import { CalibratedSeriesScorer } from '../../detectors/anomaly/calibrated-series';
import { DEFAULT_ANOMALY_THRESHOLD } from '../../detectors/anomaly/calibration';
import { correlateAnomalies } from '../../detectors/correlation';
import { beyondEveryRecentRequest, weighsAsTwoBuckets } from '../../activities/detection';
import { SeriesDetector } from '../../detectors/anomaly/series-detector';
import { requestsSlowerThan, slowestRequest } from '../../store/detection';
import { latencyBucket, type SparseHistogram } from '../../store/telemetry-histogram';
import {
  binomialTailLog10,
  DirectionalSeriesScorer,
  exceedanceTailLog10,
} from '../../detectors/series-scorer';
import type { Anomaly } from '../../workflows/incident/types';
import { detectionOffsetSeconds } from '../../worker/schedules';

/** A scorer warmed on `buckets` buckets of `calls` calls, one failed every `failuresEvery`. */
function warmedErrors(buckets: number, calls: number, failuresEvery = Infinity) {
  const scorer = new DirectionalSeriesScorer('errors');
  for (let i = 1; i <= buckets; i++)
    scorer.score(i % failuresEvery === 0 ? 1 / calls : 0, { support: calls });
  return scorer;
}

describe('error ratios: a binomial test that adapts to traffic', () => {
  it('matches exact binomial tails', () => {
    // P(X ≥ 2) for Binomial(3, 0.1) = 3·0.01·0.9 + 0.001 = 0.028
    expect(10 ** binomialTailLog10(2, 3, 0.1)).toBeCloseTo(0.028, 6);
    expect(binomialTailLog10(0, 10, 0.2)).toBe(0);
    // Far in the tail the sum stays finite in log space.
    expect(binomialTailLog10(900, 1000, 0.001)).toBeLessThan(-1000);
  });

  it('flags 4 failures of 10 calls on a quiet service, not 4 of 2,000 on a busy one', () => {
    const quiet = warmedErrors(30, 10);
    expect(quiet.score(4 / 10, { support: 10 }).score).toBeGreaterThanOrEqual(0.9);
    const busy = warmedErrors(30, 2000, 1);
    expect(busy.score(4 / 2000, { support: 2000 }).score).toBe(0);
  });

  it('pools a failure or two per bucket over consecutive buckets', () => {
    const scorer = warmedErrors(30, 4);
    const scores = [2 / 4, 2 / 4, 2 / 4].map((r) => scorer.score(r, { support: 4 }).score);
    expect(scores[0]).toBeLessThan(0.9);
    expect(Math.max(...scores)).toBeGreaterThanOrEqual(0.9);
  });

  it('needs failures in the bucket itself, and keeps its state across export/import', () => {
    const scorer = warmedErrors(30, 4);
    scorer.score(3 / 4, { support: 4, bucket: 1_000 });
    const copy = new DirectionalSeriesScorer('errors');
    copy.importState(scorer.exportState());
    expect(copy.lastBucket).toBe(1_000);
    expect(copy.score(0, { support: 4 }).score).toBe(0);
    expect(copy.score(2 / 4, { support: 4 }).score).toBe(
      scorer.score(0, { support: 4 }) && scorer.score(2 / 4, { support: 4 }).score,
    );
  });
});

describe('what a series has shown before', () => {
  /** A metric at 0, then a burst to about 900 every `every` buckets. */
  function bursts(every: number, buckets: number) {
    const scorer = new DirectionalSeriesScorer('metric');
    const scores: number[] = [];
    for (let i = 0; i < buckets; i++) {
      const burst = i >= 30 && i % every === 0;
      scores.push(scorer.score(burst ? 900 + (i % 7) * 20 : 0).score);
    }
    return { scorer, burstScores: scores.filter((_, i) => i >= 30 && i % every === 0) };
  }

  it('is news the first times a burst comes, not once it recurred in separate episodes', () => {
    const { burstScores } = bursts(6, 90);
    expect(burstScores[0]).toBeGreaterThanOrEqual(0.9);
    expect(burstScores.slice(3).every((s) => s === 0)).toBe(true);
  });

  it('keeps scoring a shift that lasts: one episode, however many buckets', () => {
    const scorer = new DirectionalSeriesScorer('metric');
    for (let i = 0; i < 30; i++) scorer.score(10 + (i % 3));
    const shifted = Array.from({ length: 12 }, () => scorer.score(900).score);
    expect(shifted.every((s) => s >= 0.9)).toBe(true);
  });
});

describe('latency evidence weighs how much slower, not only how many', () => {
  /**
   * A quiet call edge: one or two calls a bucket at about 20 ms, one call in eight a 240 ms
   * outlier (so a good share of its calls pass the suspicious line), then `fault` buckets.
   */
  function quietEdge(fault: number[][]) {
    const scorer = new CalibratedSeriesScorer('latency');
    const bucket = (durations: number[], i: number) => {
      const sorted = [...durations].sort((a, b) => a - b);
      const p95 = sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)]!;
      return scorer.score(p95, {
        support: durations.length,
        bucket: i * 10_000,
        slowerThan: (ms) => durations.filter((d) => d > ms).length,
      }).score;
    };
    for (let i = 0; i < 60; i++) {
      const usual = 18 + (i % 5);
      bucket(i % 8 === 3 ? [usual, 240] : i % 2 ? [usual, usual + 2] : [usual], i);
    }
    return fault.map((durations, j) => bucket(durations, 60 + j));
  }

  it('finds two or three calls a bucket taking seconds, where the count of slow calls does not', () => {
    const scores = quietEdge([
      [2_000, 1_900],
      [2_400, 19, 1_700],
      [2_100, 3_000],
    ]);
    expect(Math.max(...scores)).toBeGreaterThanOrEqual(DEFAULT_ANOMALY_THRESHOLD);
  });

  it('keeps a fault’s first slow call out of the baseline, too few to be news, so the next ones are', () => {
    const scores = quietEdge([[1_900], [1_600, 1_700], [1_650, 1_800]]);
    expect(scores[0]).toBeLessThan(DEFAULT_ANOMALY_THRESHOLD);
    expect(Math.max(...scores)).toBeGreaterThanOrEqual(DEFAULT_ANOMALY_THRESHOLD);
  });

  it('adds up one call a bucket, each slower than anything shown, over a minute', () => {
    const scores = quietEdge([[1_900], [1_600], [1_700], [2_100], [1_650], [1_800]]);
    expect(scores.slice(0, 3).every((s) => s < DEFAULT_ANOMALY_THRESHOLD)).toBe(true);
    expect(Math.max(...scores)).toBeGreaterThanOrEqual(DEFAULT_ANOMALY_THRESHOLD);
  });

  it('does not take one call taking seconds, or calls as slow as the baseline has been, for news', () => {
    expect(quietEdge([[2_000], [20], [19, 21]]).every((s) => s < DEFAULT_ANOMALY_THRESHOLD)).toBe(
      true,
    );
    expect(
      quietEdge([
        [240, 230],
        [240, 20],
        [235, 240],
      ]).every((s) => s < DEFAULT_ANOMALY_THRESHOLD),
    ).toBe(true);
  });
});

describe('warm-up and new levels in time, at the series own cadence', () => {
  const minute = 60_000;
  /** A metric read every `cadence` ms around 100, then `value`; returns the last score. */
  function readings(cadence: number, normal: number, shifted: number[]) {
    const scorer = new DirectionalSeriesScorer('metric');
    let at = 0;
    for (let i = 0; i < normal; i++) scorer.score(100 + (i % 3), { bucket: (at += cadence) });
    return shifted.map((v) => scorer.score(v, { bucket: (at += cadence) }).score);
  }

  it('judges a per-minute reading after a few minutes, a 10-second one only after three', () => {
    // Five readings a minute apart are five minutes of history; five 10-second ones are 50 s.
    expect(readings(minute, 5, [300])[0]).toBeGreaterThanOrEqual(0.9);
    expect(readings(10_000, 5, [300])[0]).toBe(0);
    expect(readings(10_000, 18, [300])[0]).toBeGreaterThanOrEqual(0.9);
  });

  it('accepts a level held for five minutes as normal: five per-minute readings, thirty 10-second ones', () => {
    const perMinute = readings(minute, 20, Array(8).fill(300));
    expect(perMinute.slice(0, 4).every((s) => s >= 0.9)).toBe(true);
    expect(perMinute.slice(5).every((s) => s === 0)).toBe(true);
    // Each third of the five minutes must hold it: news for four minutes, normal by the fifth.
    const perBucket = readings(10_000, 60, Array(34).fill(300));
    expect(perBucket.slice(0, 24).every((s) => s >= 0.9)).toBe(true);
    expect(perBucket.slice(30).every((s) => s === 0)).toBe(true);
  });

  it('takes its cadence from the median spacing: one close pair of readings does not shrink it', () => {
    const scorer = new DirectionalSeriesScorer('metric');
    const at = [1, 2, 3, 3 + 1 / 12, 4, 5, 6].map((m) => m * minute);
    at.forEach((t, i) => scorer.score(100 + (i % 3), { bucket: t }));
    // Seven per-minute readings are past a 3-minute warm-up; at a 5-second cadence they would not be.
    expect(scorer.score(300, { bucket: 7 * minute }).score).toBeGreaterThanOrEqual(0.9);
  });

  it('accepts a new error rate held for five minutes although clean buckets come between', () => {
    const scorer = new DirectionalSeriesScorer('errors');
    let at = 0;
    for (let i = 0; i < 60; i++) scorer.score(0, { support: 10, bucket: (at += 10_000) });
    // From now on every other bucket has 4 failures of 10 calls, the ones between none.
    const scores = Array.from(
      { length: 50 },
      (_, i) => scorer.score(i % 2 === 0 ? 0.4 : 0, { support: 10, bucket: (at += 10_000) }).score,
    );
    const failing = scores.filter((_, i) => i % 2 === 0);
    expect(failing[0]).toBeGreaterThanOrEqual(0.9);
    // Thirty 10-second buckets are five minutes: from there on the rate is the series' normal.
    expect(failing.slice(16).every((s) => s === 0)).toBe(true);
  });

  it('keeps its cadence across export/import', () => {
    const scorer = new DirectionalSeriesScorer('metric');
    for (let i = 1; i <= 5; i++) scorer.score(100 + (i % 3), { bucket: i * minute });
    const copy = new DirectionalSeriesScorer('metric');
    copy.importState(scorer.exportState());
    expect(copy.score(300, { bucket: 6 * minute }).score).toBeGreaterThanOrEqual(0.9);
  });
});

describe('novel log templates', () => {
  const start = 1_000_000_000;
  const warm: TemplateBurstState = { watched: [], since: start - burstWarmupMs };
  const novel = (severe: boolean, firstBucket = start) => ({
    seriesKey: 'tmpl:cart:abc',
    service: 'cart',
    firstBucket,
    severe,
  });
  const count = (bucket: number, value: number) => ({ seriesKey: 'tmpl:cart:abc', bucket, value });

  it('is a burst only once it recurs within a minute', () => {
    const first = trackTemplateBursts(warm, [novel(true)], [count(start, 1)], start);
    expect(first.bursts).toEqual([]);
    const second = trackTemplateBursts(first.state, [], [count(start + 10_000, 2)], start + 10_000);
    expect(second.bursts).toEqual([
      { seriesKey: 'tmpl:cart:abc', service: 'cart', bucket: start + 10_000, records: 3 },
    ]);
    // Kept until its watch ends, so that the same rows read again report nothing more.
    const again = trackTemplateBursts(
      second.state,
      [novel(true)],
      [count(start + 10_000, 2)],
      start + 20_000,
    );
    expect(again.bursts).toEqual([]);
  });

  it('counts a bucket read twice (late rows) once', () => {
    const first = trackTemplateBursts(warm, [novel(true)], [count(start, 2)], start);
    const reread = trackTemplateBursts(
      first.state,
      [novel(true)],
      [count(start, 2)],
      start + 10_000,
    );
    expect(reread.bursts).toEqual([]);
    const late = trackTemplateBursts(
      reread.state,
      [],
      [count(start, 2), count(start + 10_000, 1)],
      start + 20_000,
    );
    expect(late.bursts).toHaveLength(1);
  });

  it('forgets a template that stayed rare, and wants more of an INFO line', () => {
    const once = trackTemplateBursts(warm, [novel(true)], [count(start, 1)], start);
    const later = trackTemplateBursts(once.state, [], [count(start + 70_000, 5)], start + 70_000);
    expect(later.bursts).toEqual([]);
    expect(later.state.watched).toEqual([]);
    const info = trackTemplateBursts(warm, [novel(false)], [count(start, 3)], start);
    expect(info.bursts).toEqual([]);
  });

  it('ignores templates first seen while tracking warms up', () => {
    const cold = trackTemplateBursts(undefined, [novel(true)], [count(start, 10)], start);
    expect(cold.bursts).toEqual([]);
    expect(cold.state.since).toBe(start);
  });
});

describe('one bucket weighing as much as two', () => {
  // A bucket's requests: `fast` at 20 ms (the baseline's level), `slow` at 400 ms.
  const bucket = (fast: number, slow: number): SparseHistogram => {
    const lo = latencyBucket(20_000);
    const counts = Array<number>(latencyBucket(400_000) - lo + 1).fill(0);
    counts[0] = fast;
    counts[counts.length - 1] = slow;
    return { offset: lo, counts };
  };
  const threshold = DEFAULT_ANOMALY_THRESHOLD;

  it('takes fifty shifted requests, not one slow request of one nor five of fifty', () => {
    expect(weighsAsTwoBuckets(bucket(0, 50), 400, 20, threshold)).toBe(true);
    expect(weighsAsTwoBuckets(bucket(0, 1), 400, 20, threshold)).toBe(false);
    expect(weighsAsTwoBuckets(bucket(45, 5), 400, 20, threshold)).toBe(false);
  });

  it('asks more shifted requests of a busier bucket, and a baseline to shift from', () => {
    expect(weighsAsTwoBuckets(bucket(0, 9), 400, 20, threshold)).toBe(true);
    expect(weighsAsTwoBuckets(bucket(0, 8), 400, 20, threshold)).toBe(false);
    expect(weighsAsTwoBuckets(bucket(981, 19), 400, 20, threshold)).toBe(false);
    expect(weighsAsTwoBuckets(bucket(880, 120), 400, 20, threshold)).toBe(true);
    expect(weighsAsTwoBuckets(bucket(0, 50), 400, undefined, threshold)).toBe(false);
  });
});

describe('a bucket with requests slower than every request of the baseline', () => {
  // A histogram of requests: [ms, count] pairs.
  const requests = (...at: [number, number][]): SparseHistogram => {
    const bins = at.map(([ms]) => latencyBucket(ms * 1000));
    const offset = Math.min(...bins);
    const counts = Array<number>(Math.max(...bins) - offset + 1).fill(0);
    at.forEach(([, n], i) => (counts[bins[i]! - offset]! += n));
    return { offset, counts };
  };
  const threshold = DEFAULT_ANOMALY_THRESHOLD;
  /** A latency series as the pass scores it: p95, requests, their counts and slowest. */
  const score = (scorer: SeriesDetector, h: SparseHistogram, p95: number, t: number) =>
    scorer.score(p95, {
      support: h.counts.reduce((a, b) => a + b, 0),
      bucket: t * 10_000,
      slowerThan: (ms) => requestsSlowerThan(h, ms),
      slowest: slowestRequest(h),
    });
  // Ten minutes of 35 requests a bucket at 20 ms, the slowest of each at 30 ms.
  const steady = requests([20, 34], [30, 1]);
  const warmed = () => {
    const scorer = new SeriesDetector('latency');
    for (let t = 0; t < 60; t++) score(scorer, steady, 20, t);
    return scorer;
  };

  it('is as rare as C(n, k) / C(n + N, k), in logs for any N', () => {
    expect(exceedanceTailLog10(1, 1, 2000)).toBeCloseTo(-Math.log10(2001), 9);
    // 2 of 3 against 5: C(3,2) / C(8,2) = 3/28.
    expect(10 ** exceedanceTailLog10(2, 3, 5)).toBeCloseTo(3 / 28, 12);
    expect(exceedanceTailLog10(7, 7, 2026)).toBeCloseTo(-19.5, 1);
    expect(exceedanceTailLog10(0, 50, 2000)).toBe(0);
    expect(Number.isFinite(exceedanceTailLog10(500, 1000, 5_000_000))).toBe(true);
  });

  it('weighs as two buckets when too many are beyond the window’s slowest, though few moved past the midpoint', () => {
    // A CPU contention: 14 of 71 requests at 60 ms, the rest where they were.
    const contended = requests([20, 57], [60, 14]);
    const scored = score(warmed(), contended, 60, 60);
    expect(scored.ceiling).toEqual({ slowest: slowestRequest(steady), requests: 60 * 35 });
    expect(weighsAsTwoBuckets(contended, 60, scored.baseline, threshold)).toBe(false);
    expect(beyondEveryRecentRequest(contended, scored.ceiling, threshold)).toBe(true);
    const slow = anomalyAt('svc:cart:p95', 'cart');
    const manyRequests = (a: Anomaly) =>
      a === slow && beyondEveryRecentRequest(contended, scored.ceiling, threshold);
    expect(correlateAnomalies([slow], [], [], slow.at, { manyRequests })).toHaveLength(1);
  });

  it('takes neither one slow request of one nor a bucket all slow-ish under the window’s slowest', () => {
    const ceiling = score(warmed(), steady, 20, 60).ceiling;
    expect(ceiling).toBeDefined();
    expect(beyondEveryRecentRequest(requests([60, 1]), ceiling, threshold)).toBe(false);
    expect(beyondEveryRecentRequest(requests([27, 71]), ceiling, threshold)).toBe(false);
    expect(beyondEveryRecentRequest(requests([60, 7]), undefined, threshold)).toBe(false);
  });

  it('takes an episode the window already showed as no longer beyond every request, though it was never admitted', () => {
    const contended = requests([20, 57], [60, 14]);
    const scorer = warmed();
    expect(
      beyondEveryRecentRequest(contended, score(scorer, contended, 60, 60).ceiling, threshold),
    ).toBe(true);
    for (let t = 61; t < 75; t++) score(scorer, steady, 20, t);
    const again = score(scorer, contended, 60, 75);
    expect(again.ceiling?.slowest).toBe(slowestRequest(contended));
    expect(beyondEveryRecentRequest(contended, again.ceiling, threshold)).toBe(false);
  });

  it('knows no ceiling from a state stored before the slowest requests were kept, until its points age out', () => {
    const stored = JSON.parse(JSON.stringify(warmed().exportState()));
    delete stored.evidence.seenSlowest;
    delete stored.evidence.seenSupport;
    const scorer = new SeriesDetector('latency');
    scorer.importState(stored);
    const first = score(scorer, steady, 20, 60);
    expect(first.score).toBe(0);
    expect(first.ceiling).toBeUndefined();
    for (let t = 61; t < 120; t++) score(scorer, steady, 20, t);
    expect(score(scorer, steady, 20, 120).ceiling).toEqual({
      slowest: slowestRequest(steady),
      requests: 60 * 35,
    });
  });
});

/** A latency anomaly of a service at one bucket. */
function anomalyAt(seriesKey: string, service: string): Anomaly {
  return {
    seriesKey,
    service,
    signal: 'latency',
    score: 0.95,
    value: 60,
    at: '2026-01-01T00:00:00.000Z',
  };
}

describe('correlation evidence', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const anomaly = (seriesKey: string, service: string, signal: Anomaly['signal'], when = at) => ({
    seriesKey,
    service,
    signal,
    score: 0.95,
    value: 1,
    at: when,
  });

  it('counts a service’s views of the same calls once per signal and bucket', () => {
    const sameCalls = [
      anomaly('svc:cart:p95', 'cart', 'latency'),
      anomaly('op:cart:GetCart:p95', 'cart', 'latency'),
      anomaly('edge:cart:from:frontend:p95', 'cart', 'latency'),
    ];
    expect(correlateAnomalies(sameCalls, [], [], at)).toEqual([]);
    const twoBuckets = [
      ...sameCalls,
      anomaly('svc:cart:p95', 'cart', 'latency', '2026-01-01T00:00:10.000Z'),
    ];
    expect(correlateAnomalies(twoBuckets, [], [], at)).toHaveLength(1);
  });

  it('counts one scrape’s metrics once, at one pod or at several; a reading off again counts again', () => {
    const later = '2026-01-01T00:00:10.000Z';
    const pod = (service: string, name: string, value: number) => ({
      ...anomaly(`metric:${service}:${name}`, service, 'saturation'),
      value,
    });
    // p90, p95 and p99 of one pod's latency: one measurement.
    expect(
      correlateAnomalies(
        [
          pod('cart', 'LatencyP90', 42),
          pod('cart', 'LatencyP95', 51),
          pod('cart', 'LatencyP99', 58),
        ],
        [],
        [],
        at,
      ),
    ).toEqual([]);
    // The node both pods run on, reported under each: one reading.
    const node = [pod('cart', 'NodeCpu', 27.39), pod('ads', 'NodeCpu', 27.39)];
    expect(correlateAnomalies(node, [{ caller: 'cart', callee: 'ads' }], [], at)).toEqual([]);
    // Two pods' own CPU in one scrape: one look at the system.
    const own = [pod('cart', 'Cpu', 0.9), pod('ads', 'Cpu', 0.7)];
    expect(correlateAnomalies(own, [{ caller: 'cart', callee: 'ads' }], [], at)).toEqual([]);
    // Readings stamped a few seconds apart may fall in two buckets: still one look.
    const skewed = [
      pod('cart', 'Cpu', 0.9),
      { ...pod('cart', 'Memory', 0.8), at: later },
      { ...pod('ads', 'Cpu', 0.7), at: later },
    ];
    expect(correlateAnomalies(skewed, [{ caller: 'cart', callee: 'ads' }], [], at)).toEqual([]);
    // The same reading off again in the next bucket, or a symptom of another kind beside it, is a fault.
    const again = { ...pod('cart', 'Cpu', 0.92), at: later };
    expect(correlateAnomalies([...own, again], [], [], at)).toHaveLength(1);
    const felt = anomaly('svc:cart:p95', 'cart', 'latency');
    expect(correlateAnomalies([pod('cart', 'Cpu', 0.9), felt], [], [], at)).toHaveLength(1);
  });

  it('counts a bucket whose requests shifted too many for chance as two looks, not one slow request', () => {
    const slow = anomaly('svc:config:p95', 'config', 'latency');
    expect(correlateAnomalies([slow], [], [], at)).toEqual([]);
    const manyRequests = (a: Anomaly) => a === slow;
    expect(correlateAnomalies([slow], [], [], at, { manyRequests })).toHaveLength(1);
    // Two services' latency in that bucket is the same look: still one bucket's volume.
    const caller = anomaly('svc:gateway:p95', 'gateway', 'latency');
    const edges = [{ caller: 'gateway', callee: 'config' }];
    expect(correlateAnomalies([slow, caller], edges, [], at)).toEqual([]);
  });

  it('counts one request and the scrape of its pod that read it once; a second look counts', () => {
    const later = '2026-01-01T00:00:10.000Z';
    const slow = anomaly('svc:config:p95', 'config', 'latency');
    const gauge = anomaly('metric:config:LatencyP99', 'config', 'saturation');
    const oneRequest = (a: Anomaly) => a === slow;
    expect(correlateAnomalies([slow, gauge], [], [], at, { oneRequest })).toEqual([]);
    // The same reading off again in the next scrape, a second request, or the whole bucket slow.
    const again = { ...gauge, at: later };
    expect(correlateAnomalies([slow, gauge, again], [], [], at, { oneRequest })).toHaveLength(1);
    const second = { ...slow, at: later };
    expect(correlateAnomalies([slow, second, gauge], [], [], at, { oneRequest })).toHaveLength(1);
    expect(correlateAnomalies([slow, gauge], [], [], at)).toHaveLength(1);
    // A scrape of another pod is another look.
    const callee = anomaly('metric:db:Cpu', 'db', 'saturation');
    const edges = [{ caller: 'config', callee: 'db' }];
    expect(correlateAnomalies([slow, callee], edges, [], at, { oneRequest })).toHaveLength(1);
  });

  it('counts the latency a pod timed for calls its requests already show as slow once', () => {
    const later = '2026-01-01T00:00:10.000Z';
    const slow = anomaly('svc:config:p95', 'config', 'latency');
    const timedGauge = anomaly('metric:config:ClientLatencyP99', 'config', 'saturation');
    const timesRequests = (a: Anomaly) => a.seriesKey === timedGauge.seriesKey;
    expect(correlateAnomalies([slow, timedGauge], [], [], at, { timesRequests })).toEqual([]);
    // Read off again in the next scrape it persists; the pod's CPU is another look.
    const again = { ...timedGauge, at: later };
    expect(
      correlateAnomalies([slow, timedGauge, again], [], [], at, { timesRequests }),
    ).toHaveLength(1);
    const cpu = anomaly('metric:config:Cpu', 'config', 'saturation');
    expect(correlateAnomalies([slow, timedGauge, cpu], [], [], at, { timesRequests })).toHaveLength(
      1,
    );
    // With no slow requests at its service, the timed gauge is a look of its own.
    const caller = anomaly('svc:gateway:p95', 'gateway', 'latency');
    const edges = [{ caller: 'gateway', callee: 'config' }];
    expect(correlateAnomalies([caller, timedGauge], edges, [], at, { timesRequests })).toHaveLength(
      1,
    );
  });

  it('counts no latency a pod timed where the engine sees its requests as spans; at a pod seen only by its metrics it counts', () => {
    const later = '2026-01-01T00:00:10.000Z';
    const fromLines = (a: Anomaly) => a.seriesKey.startsWith('logerr:');
    const timedGauge = anomaly('metric:travel:ClientLatencyP95', 'travel', 'saturation');
    const timesRequests = (a: Anomaly) => a.seriesKey === timedGauge.seriesKey;
    const share = anomaly('logerr:travel', 'travel', 'errors');
    const spans = { timesRequests, fromLines, requestsInSpans: (s: string) => s === 'travel' };
    // Its spans are the witness: the gauge's minute may rest on one slow request, in every
    // scrape that covers it.
    expect(correlateAnomalies([timedGauge, share], [], [], at, spans)).toEqual([]);
    const again = { ...timedGauge, at: later };
    expect(correlateAnomalies([timedGauge, again, share], [], [], at, spans)).toEqual([]);
    // Its pod's CPU is still a look of its own, and so is its spans' latency.
    const cpu = anomaly('metric:travel:Cpu', 'travel', 'saturation');
    expect(correlateAnomalies([timedGauge, cpu, share], [], [], at, spans)).toHaveLength(1);
    const slow = anomaly('svc:travel:p95', 'travel', 'latency');
    expect(correlateAnomalies([timedGauge, slow, share], [], [], at, spans)).toHaveLength(1);
    // No spans of its requests: the gauge is the only witness and counts.
    const metricsOnly = { timesRequests, fromLines, requestsInSpans: () => false };
    expect(correlateAnomalies([timedGauge, share], [], [], at, metricsOnly)).toHaveLength(1);
  });

  it('counts what a service’s lines say once a bucket: a new line and the share of WARN lines it makes', () => {
    const later = '2026-01-01T00:00:10.000Z';
    const fromLines = (a: Anomaly) => /^(tmpl|logerr):/.test(a.seriesKey);
    const burst = anomaly('tmpl:security:abc:new', 'security', 'logs');
    const share = anomaly('logerr:security', 'security', 'errors');
    expect(correlateAnomalies([burst, share], [], [], at, { fromLines })).toEqual([]);
    // The share still high in the next bucket persists; failed calls are another reading.
    const again = { ...share, at: later };
    expect(correlateAnomalies([burst, share, again], [], [], at, { fromLines })).toHaveLength(1);
    const calls = anomaly('svc:security:errors', 'security', 'errors');
    expect(correlateAnomalies([burst, share, calls], [], [], at, { fromLines })).toHaveLength(1);
  });

  it('blames a service that went down, not the callee that lost its traffic', () => {
    const graph = [
      { caller: 'frontend', callee: 'cart' },
      { caller: 'cart', callee: 'redis' },
    ];
    const [c] = correlateAnomalies(
      [
        anomaly('svc:frontend:errors', 'frontend', 'errors'),
        anomaly('silent:cart', 'cart', 'traffic'),
        // The callee's reading, off in two scrapes: enough to join the group.
        anomaly('metric:redis:db.operations.rate', 'redis', 'saturation'),
        anomaly(
          'metric:redis:db.operations.rate',
          'redis',
          'saturation',
          '2026-01-01T00:00:10.000Z',
        ),
      ],
      graph,
      [],
      at,
      { outage: (a) => a.seriesKey.startsWith('silent:') },
    );
    expect(c).toMatchObject({ service: 'cart', services: ['cart', 'frontend', 'redis'] });
  });

  it('opens on one conclusive anomaly', () => {
    const burst = [anomaly('tmpl:cart:abc:new', 'cart', 'logs')];
    expect(correlateAnomalies(burst, [], [], at)).toEqual([]);
    const [c] = correlateAnomalies(burst, [], [], at, {
      conclusive: (a) => a.seriesKey.endsWith(':new'),
    });
    expect(c?.service).toBe('cart');
  });
});

describe('detection schedule phase', () => {
  it('fires just after a bucket’s grace period when the interval is whole buckets', () => {
    expect(detectionOffsetSeconds({ intervalSeconds: 10, graceSeconds: 3 })).toBe(4);
    expect(detectionOffsetSeconds({ intervalSeconds: 20, graceSeconds: 2.5 })).toBe(4);
    expect(detectionOffsetSeconds({ intervalSeconds: 15, graceSeconds: 3 })).toBe(0);
  });
});
