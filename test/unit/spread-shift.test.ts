/**
 * The spread-shift member (NAB round 14 of issue #14): a change of variance shows in the steps
 * of the series, not in any one value, and neither a spike nor a level shift is one.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENSEMBLE_CONFIG as C } from '../../detectors/anomaly/config';
import { Prng } from '../../detectors/anomaly/prng';
import { RobustBaselineDetector } from '../../detectors/anomaly/robust-baseline';
import { SpreadShiftDetector } from '../../detectors/anomaly/spread-shift';

function gaussian(prng: Prng): number {
  return Math.sqrt(-2 * Math.log(1 - prng.next())) * Math.cos(2 * Math.PI * prng.next());
}

const CHANGE_AT = 1500;

/** Level 100, noise σ = 5; from CHANGE_AT on, `after` changes the point (optionally a cycle). */
function series(
  seed: number,
  cycle: boolean,
  after: (noise: number, t: number) => number,
): number[] {
  const prng = new Prng(seed);
  return Array.from({ length: 1600 }, (_, t) => {
    const noise = 5 * gaussian(prng);
    const level = 100 + (cycle ? 40 * Math.sin((2 * Math.PI * t) / 96) : 0);
    return level + (t >= CHANGE_AT ? after(noise, t) : noise);
  });
}

const scoresOf = (values: readonly number[]): number[] => {
  const member = new SpreadShiftDetector(C.spread);
  return values.map((v) => member.score(v));
};
const max = (values: readonly number[]): number => Math.max(...values);
const before = (s: number[]): number[] => s.slice(1000, CHANGE_AT);
const after = (s: number[]): number[] => s.slice(CHANGE_AT, CHANGE_AT + 60);

describe('spread shift', () => {
  for (const cycle of [false, true]) {
    const under = cycle ? ', under a cycle' : '';
    it(`reads a series that starts to swing inside its old range${under}`, () => {
      for (const seed of [1, 2, 3]) {
        // From one side of the old band to the other (± 2σ) point by point, as a flapping
        // autoscaler: every value was seen before, every step is larger than most before.
        const values = series(seed, cycle, (n, t) => (t % 2 === 0 ? 10 : -10) + n / 5);
        const spread = scoresOf(values);
        const point = new RobustBaselineDetector(C.baseline);
        const pointScores = values.map((v) => point.score(v));
        expect(max(after(pointScores))).toBeLessThan(max(before(pointScores)) + 0.1);
        expect(max(before(spread))).toBeLessThan(0.5);
        expect(max(after(spread))).toBeGreaterThanOrEqual(C.damper.restLevel);
      }
    });
  }

  it('reads a series that falls still', () => {
    for (const seed of [1, 2, 3]) {
      const spread = scoresOf(series(seed, false, (n) => n / 20));
      expect(max(after(spread))).toBeGreaterThanOrEqual(C.damper.restLevel);
    }
  });

  it('does not read a spike or a level shift as a new spread', () => {
    for (const seed of [1, 2, 3]) {
      let first = true;
      const spike = series(seed, false, (n) => {
        const v = first ? n + 60 : n;
        first = false;
        return v;
      });
      const shift = series(seed, false, (n) => n + 30);
      expect(max(after(scoresOf(spike)))).toBeLessThan(0.5);
      expect(max(after(scoresOf(shift)))).toBeLessThan(0.5);
    }
  });

  it('reads nothing until the season has been searched for', () => {
    const { minHistory } = C.spread.season;
    // The swing of the first test, before the season search instead of after it.
    const values = series(1, false, (n) => n).map((v, t) =>
      t >= 300 && t < minHistory ? 100 + (t % 2 === 0 ? 10 : -10) : v,
    );
    const scores = scoresOf(values);
    expect(max(scores.slice(0, minHistory - 1))).toBe(0);
    expect(scores.every(Number.isFinite)).toBe(true);
  });

  it('carries on from an exported state as if it had never stopped', () => {
    const values = series(4, true, (n) => 3 * n);
    const whole = scoresOf(values);
    const first = new SpreadShiftDetector(C.spread);
    values.slice(0, 1200).forEach((v) => first.score(v));
    const second = new SpreadShiftDetector(C.spread);
    second.importState(JSON.parse(JSON.stringify(first.exportState())));
    expect(values.slice(1200).map((v) => second.score(v))).toEqual(whole.slice(1200));
  });
});
