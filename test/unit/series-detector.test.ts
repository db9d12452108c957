/**
 * SeriesDetector, the detection schedule's scorer, is the ensemble bench:nab measures: the
 * same factory, the same configuration object, the same scores on a NAB series; on a metric its
 * evidence stands in while the other members are young, each speaking beside it once grown; on
 * latency, error
 * ratios and log counts what the directional evidence flags stays flagged (corrected for the
 * other looks) and the other members add only to points its counts find suspicious; its state
 * survives the per-pass round trip through JSON and stays small enough to store per series.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scheduleScorer } from '../../activities/detection';
import { NAB_ROOT, readCsvColumns } from '../../bench/nab/corpus';
import { CalibratedSeriesScorer } from '../../detectors/anomaly/calibrated-series';
import { DEFAULT_ANOMALY_THRESHOLD, rarestOf } from '../../detectors/anomaly/calibration';
import { createDetector, DEFAULT_ENSEMBLE_CONFIG } from '../../detectors/anomaly/config';
import { Prng } from '../../detectors/anomaly/prng';
import { SeriesDetector } from '../../detectors/anomaly/series-detector';
import { DirectionalSeriesScorer } from '../../detectors/series-scorer';

const NAB_SERIES = 'realKnownCause/ec2_request_latency_system_failure.csv';
const hasNab = existsSync(join(NAB_ROOT, 'data', NAB_SERIES));

function nabValues(file: string): number[] {
  return (readCsvColumns(join(NAB_ROOT, 'data', file)).get('value') ?? []).map(Number);
}

function noisy(seed: number, length: number): number[] {
  const prng = new Prng(seed);
  return Array.from({ length }, () => 100 + 10 * (prng.next() - 0.5));
}

describe('SeriesDetector, the ensemble as a per-series scorer', () => {
  it('is what the detection schedule scores with, built from the configuration bench:nab and `aiops detect score` use', () => {
    const schedule = scheduleScorer('metric', undefined);
    expect(schedule).toBeInstanceOf(SeriesDetector);
    expect((schedule as SeriesDetector).config).toBe(DEFAULT_ENSEMBLE_CONFIG);
    expect(new SeriesDetector('latency').config).toBe(createDetector().config);
  });

  it.skipIf(!hasNab)(
    "scores a metric series as the ensemble bench:nab measures (its rarity, before the alert damper), at the schedule's 10-second buckets",
    () => {
      // bench:nab passes no timestamps: the evidence, which speaks while the members are young,
      // reads the rollups' 10-second cadence there, the schedule's own.
      const values = nabValues(NAB_SERIES);
      expect(values.length).toBeGreaterThan(3000);
      const schedule = scheduleScorer('metric', undefined);
      const bench = createDetector();
      values.forEach((v, t) => {
        const scheduled = schedule.score(v, { bucket: t * 10_000 }).score;
        expect(scheduled, `point ${t}`).toBe(bench.judge(v).rarity);
      });
      // The same members end in the same state; only the bucket watermark is the schedule's.
      const { members, season } = (schedule as SeriesDetector).exportState();
      expect({ members, season }).toEqual({
        members: bench.exportState().members,
        season: bench.exportState().season,
      });
    },
  );

  it('speaks on a metric from its first minutes: the evidence, until the members are grown', () => {
    // A memory series with 40 minutes of history (240 buckets, fewer than the likelihoods learn
    // from) starts to leak: the evidence flags it within a minute. Steady, nothing is flagged.
    const values = noisy(17, 260).map((v, t) => (t >= 240 ? v + 10 * (t - 239) : v));
    const scorer = new SeriesDetector('metric');
    const scores = values.map((v, t) => scorer.score(v, { bucket: t * 10_000 }).score);
    expect(Math.max(...scores.slice(30, 240))).toBeLessThan(DEFAULT_ANOMALY_THRESHOLD);
    expect(Math.max(...scores.slice(240, 246))).toBeGreaterThanOrEqual(DEFAULT_ANOMALY_THRESHOLD);
    expect(scorer.exportState().evidence).toBeDefined();
  });

  it('scores as the directional scorer alone while young (300 points; a metric, 600)', () => {
    // What a run shorter than 50 minutes (bench:e2e) measures on every kind.
    for (const [signal, young] of [
      ['metric', 600],
      ['logs', 300],
      ['errors', 300],
      ['latency', 300],
    ] as const) {
      const prng = new Prng(5);
      const scorer = new SeriesDetector(signal);
      const evidence = new CalibratedSeriesScorer(signal);
      for (let t = 0; t < young; t++) {
        const burst = t % 97 === 50 ? 5 : 1;
        const value =
          signal === 'errors'
            ? prng.next() < 0.05 * burst
              ? 0.1 * burst
              : 0.01
            : 100 * burst + 10 * prng.next();
        const calls = signal === 'errors' || signal === 'latency' ? 100 : undefined;
        const got = scorer.score(value, { support: calls, bucket: t * 10_000 }).score;
        expect(got, `${signal} ${t}`).toBe(
          evidence.score(value, { support: calls, bucket: t * 10_000 }).score,
        );
      }
    }
  });

  it('lets a grown member speak beside the evidence on a metric before the others are grown', () => {
    // A spike of 30 noise widths at 3% of the level: under the evidence's smallest change that
    // can matter (5% of the level), plain to the members once the season search (point 600)
    // found no cycle and their likelihoods have learned, while the level shift's still learns.
    const prng = new Prng(19);
    const gaussian = (): number =>
      Math.sqrt(-2 * Math.log(1 - prng.next())) * Math.cos(2 * Math.PI * prng.next());
    const scorer = new SeriesDetector('metric');
    const evidence = new CalibratedSeriesScorer('metric');
    const scores = Array.from({ length: 710 }, (_, t) => {
      const value = 1000 + gaussian() + (t === 700 ? 30 : 0);
      expect(evidence.score(value, { bucket: t * 10_000 }).score).toBeLessThan(0.1);
      return scorer.score(value, { bucket: t * 10_000 }).score;
    });
    expect(scorer.exportState().evidence).toBeDefined();
    expect(scores[700]).toBeGreaterThanOrEqual(DEFAULT_ANOMALY_THRESHOLD);
    expect(Math.max(...scores.slice(300, 700))).toBeLessThan(DEFAULT_ANOMALY_THRESHOLD);
  });

  it('stops the evidence on a metric once the season search finds a cycle, which it cannot read', () => {
    // A square daily wave (288 buckets) with little noise: to the evidence's ten-minute baseline
    // every rise is a jump (0.95 from it at each one while young); once the search at point 600
    // finds the cycle, the members that know it judge the next rise (at 720) alone.
    const prng = new Prng(23);
    const scorer = new SeriesDetector('metric');
    const rises = Array.from({ length: 800 }, (_, t) => {
      const value = (t % 288 < 144 ? 20 : 70) + 2 * (prng.next() - 0.5);
      const { score } = scorer.score(value, { bucket: t * 10_000 });
      return { score, evidence: scorer.exportState().evidence !== undefined };
    });
    expect(rises.findIndex((r) => !r.evidence)).toBe(599);
    expect(Math.max(...rises.slice(600).map((r) => r.score))).toBeLessThan(
      DEFAULT_ANOMALY_THRESHOLD,
    );
  });

  it('hands a metric over to its members once they are grown (the evidence then stops)', () => {
    // Grown: the season search has its first history (600 points) and every likelihood has
    // learned, the level shift's too, which reads only once the season is searched and then
    // learns for 150 + 150 points. From then on a metric is the members' alone, as on NAB.
    const scorer = new SeriesDetector('metric');
    const speaking = noisy(19, 1200).map((v, t) => {
      scorer.score(v, { bucket: t * 10_000 });
      return scorer.exportState().evidence !== undefined;
    });
    const handOver = speaking.indexOf(false);
    expect(handOver).toBeGreaterThanOrEqual(599);
    expect(handOver).toBeLessThanOrEqual(900);
    expect(speaking.slice(0, handOver).every(Boolean)).toBe(true);
    expect(speaking.slice(handOver).some(Boolean)).toBe(false);
  });

  it('continues with identical scores after its state is stored and read back mid-stream', () => {
    const values = noisy(3, 1200).map((v, t) => (t === 1000 ? v + 80 : v));
    const bucket = (t: number) => t * 10_000;
    const straight = new SeriesDetector('latency');
    const expected = values.map(
      (v, t) => straight.score(v, { support: 50, bucket: bucket(t) }).score,
    );
    const first = new SeriesDetector('latency');
    values.slice(0, 700).forEach((v, t) => first.score(v, { support: 50, bucket: bucket(t) }));
    const restored = new SeriesDetector('latency');
    restored.importState(JSON.parse(JSON.stringify(first.exportState())));
    const resumed = values
      .slice(700)
      .map((v, i) => restored.score(v, { support: 50, bucket: bucket(700 + i) }).score);
    expect(resumed).toEqual(expected.slice(700));
    expect(Math.max(...expected.slice(1000, 1003))).toBeGreaterThan(0.57);
  });

  it('scores a metric stored and read back every pass as one never stored, young and grown', () => {
    const values = noisy(3, 1000).map((v, t) => (t === 450 || t === 800 ? v + 60 : v));
    const straight = new SeriesDetector('metric');
    const expected = values.map((v, t) => straight.score(v, { bucket: t * 10_000 }).score);
    let scorer = new SeriesDetector('metric');
    const resumed = values.map((v, t) => {
      const { score } = scorer.score(v, { bucket: t * 10_000 });
      const next = new SeriesDetector('metric');
      next.importState(JSON.parse(JSON.stringify(scorer.exportState())));
      scorer = next;
      return score;
    });
    expect(resumed).toEqual(expected);
    // Flagged by the evidence alone (young) and by the grown members.
    expect(expected[450]).toBeGreaterThan(DEFAULT_ANOMALY_THRESHOLD);
    expect(expected[800]).toBeGreaterThan(DEFAULT_ANOMALY_THRESHOLD);
  });

  it('keeps its stored state bounded (under 66 KB of JSON however long the series)', () => {
    const scorer = new SeriesDetector('metric');
    const sizes: number[] = [];
    noisy(5, 20_000).forEach((v, t) => {
      scorer.score(v + 20 * Math.sin(t / 40), { bucket: t * 10_000 });
      if (t % 5000 === 4999) sizes.push(JSON.stringify(scorer.exportState()).length);
    });
    // Past the longest window (the likelihoods' 8,640 points) only the seasonal offsets still
    // change size, with the period found (at most 1,000 of them). The spread shift's 1,000
    // reference steps take 5.8 KB of it (62 KB at most here; 56 KB without that member).
    for (const size of sizes) expect(size).toBeLessThan(66_000);
  });

  it('flags on latency what its directional evidence flags, learned or not (a union)', () => {
    // A slow-request fault after the likelihoods have learned: the evidence's tail, corrected
    // for the ensemble's other looks, is a floor under the score (round 4's intersection held
    // such faults under the threshold when the ensemble's side did not see them).
    const values = noisy(11, 1200);
    const scorer = new SeriesDetector('latency');
    const evidence = new CalibratedSeriesScorer('latency');
    const slowerThan = (t: number) => (line: number) =>
      t >= 1000 && t < 1006 && line < 160 ? 12 : 0;
    let flagged = false;
    values.forEach((v, t) => {
      const value = t >= 1000 && t < 1006 ? v + 60 : v;
      const got = scorer.score(value, {
        support: 100,
        bucket: t * 10_000,
        slowerThan: slowerThan(t),
      }).score;
      const floor = evidence.score(value, {
        support: 100,
        bucket: t * 10_000,
        slowerThan: slowerThan(t),
      }).score;
      expect(got, `point ${t}`).toBeGreaterThanOrEqual(rarestOf(floor, 3) - 1e-12);
      if (t >= 1000 && t < 1006 && got >= DEFAULT_ANOMALY_THRESHOLD) flagged = true;
    });
    expect(flagged).toBe(true);
  });

  it('counts only the direction that hurts on latency, however rare the other one is', () => {
    const values = noisy(7, 900);
    const up = new SeriesDetector('latency');
    const down = new SeriesDetector('latency');
    const spike = (scorer: SeriesDetector, delta: number) =>
      values.map(
        (v, t) =>
          scorer.score(t === 800 ? v + delta : v, { support: 50, bucket: t * 10_000 }).score,
      )[800];
    expect(spike(up, 200)).toBeGreaterThan(0.57);
    expect(spike(down, -90)).toBe(0);
  });

  it('lets the other members speak on error ratios only where the failed calls are suspicious', () => {
    // A service failing one call in 50 now and then, long enough for every member to learn.
    // One failure in a quiet bucket of 20 calls is bad luck to the counts, though it is the
    // series' highest ratio yet; two buckets of 20 failures in 50 are news to both. The range
    // breakout alone, reading the ratios as a metric, flags the single failure: on its own it
    // is the false alarm the counts prevent.
    const calls = (t: number) => (t === 600 ? 20 : 50);
    const ratios = Array.from({ length: 800 }, (_, t) =>
      t === 600 ? 1 / 20 : t === 700 || t === 701 ? 20 / 50 : t % 97 === 0 ? 1 / 50 : 0,
    );
    const scorer = new SeriesDetector('errors');
    const breakout = createDetector(['breakout']);
    const scores = ratios.map(
      (r, t) => scorer.score(r, { support: calls(t), bucket: t * 10_000 }).score,
    );
    const bare = ratios.map((r) => breakout.judge(r).rarity);
    expect(bare[600]).toBeGreaterThan(DEFAULT_ANOMALY_THRESHOLD);
    expect(scores[600]).toBe(0);
    expect(scores[700]).toBeGreaterThan(DEFAULT_ANOMALY_THRESHOLD);
  });

  it('lets them speak on latency only where slow requests back the point', () => {
    // The same p95 jump twice after learning: once with no request slower than the line behind
    // it (one request's latency in a histogram bucket), once with twelve.
    const values = noisy(13, 1000).map((v, t) => (t === 800 || t === 900 ? v + 200 : v));
    const slowerThan = (t: number) => (line: number) => (t === 900 && line < 300 ? 12 : 0);
    const scorer = new SeriesDetector('latency');
    const scores = values.map(
      (v, t) =>
        scorer.score(v, { support: 100, bucket: t * 10_000, slowerThan: slowerThan(t) }).score,
    );
    expect(scores[800]).toBe(0);
    expect(scores[900]).toBeGreaterThan(DEFAULT_ANOMALY_THRESHOLD);
  });

  it("takes a directional scorer's state stored before the ensemble ran (its watermark kept)", () => {
    const old = new DirectionalSeriesScorer('errors');
    for (let t = 0; t < 30; t++) old.score(0.01, { support: 200, bucket: t * 10_000 });
    const scorer = new SeriesDetector('errors');
    scorer.importState(JSON.parse(JSON.stringify(old.exportState())));
    expect(scorer.lastBucket).toBe(29 * 10_000);
    expect(scorer.score(0.3, { support: 200, bucket: 30 * 10_000 }).score).toBeGreaterThan(0.57);
  });

  it('takes a state stored before a member shipped: that member starts fresh, the rest resume', () => {
    const values = noisy(5, 800).map((v, t) => (t === 750 ? v + 80 : v));
    const old = new SeriesDetector('latency');
    values.slice(0, 700).forEach((v, t) => old.score(v, { support: 50, bucket: t * 10_000 }));
    const stored = JSON.parse(JSON.stringify(old.exportState()));
    delete stored.members.shift;
    const scorer = new SeriesDetector('latency');
    scorer.importState(stored);
    expect(scorer.lastBucket).toBe(699 * 10_000);
    const scores = values
      .slice(700)
      .map((v, i) => scorer.score(v, { support: 50, bucket: (700 + i) * 10_000 }).score);
    expect(scores[50]).toBeGreaterThan(DEFAULT_ANOMALY_THRESHOLD);
  });
});
