import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NAB_ROOT, loadCorpus, loadProfiles, loadPublishedScores } from '../../bench/nab/corpus';
import { NabScorer, type DetectorScores } from '../../bench/nab/scorer';
import { probationaryLength, scaledSigmoid, Sweeper } from '../../bench/nab/sweeper';

/** NAB v1.1's own scores for the published outputs on these 35 series (GUIDE §4). */
const PUBLISHED = {
  numenta: { standard: 66.59, reward_low_FP_rate: 60.81, reward_low_FN_rate: 71.06 },
  random: { standard: 19.56, reward_low_FP_rate: 6.37, reward_low_FN_rate: 28.76 },
  null: { standard: 0, reward_low_FP_rate: 0, reward_low_FN_rate: 0 },
} as const;

describe('NAB scorer port', () => {
  // The benchmark data lives beside the checkout (../shared/data), not in the repository.
  it.skipIf(!existsSync(NAB_ROOT))(
    'reproduces the published numenta, random and null scores within ±0.1',
    () => {
      const corpus = loadCorpus();
      const outputs = (detector: string): DetectorScores =>
        new Map(corpus.map((f) => [f.relativePath, loadPublishedScores(detector, f.relativePath)]));
      const scorer = new NabScorer(corpus, loadProfiles(), outputs('null'));
      expect(corpus).toHaveLength(35);
      for (const [detector, expected] of Object.entries(PUBLISHED)) {
        const scores = scorer.score(outputs(detector));
        for (const [profile, value] of Object.entries(expected)) {
          expect(scores[profile]?.normalized, `${detector} ${profile}`).toBeCloseTo(value, 1);
          expect(Math.abs((scores[profile]?.normalized ?? NaN) - value)).toBeLessThanOrEqual(0.1);
        }
      }
    },
    60_000,
  );

  it('weights detections by position: window start ≈ 0.987, right edge 0, far FP −1', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(3.5)).toBe(-1);
  });

  it('ignores the first 15% of a file, at most 750 rows', () => {
    expect(probationaryLength(4032, 0.15)).toBe(604);
    expect(probationaryLength(22695, 0.15)).toBe(750);
  });

  it('rewards a detection at the very start of a window with the full tpWeight', () => {
    const sweeper = new Sweeper({ tpWeight: 1, fpWeight: 0.11, fnWeight: 1 });
    const timestamps = Array.from({ length: 100 }, (_, i) => i * 60_000);
    const window = [timestamps[50] as number, timestamps[59] as number] as const;
    const hit = timestamps.map((_, i) => (i === 50 ? 1 : 0));
    expect(sweeper.scoreDataSet(timestamps, hit, [window], 'f', 1).score).toBeCloseTo(1, 10);
    // The same detection just past the window is a (cheap) false positive and a missed window.
    const late = timestamps.map((_, i) => (i === 61 ? 1 : 0));
    const row = sweeper.scoreDataSet(timestamps, late, [window], 'f', 1);
    expect(row.score).toBeCloseTo(-1 + 0.11 * scaledSigmoid(2 / 9), 10);
    expect(row.fp).toBe(1);
  });
});
