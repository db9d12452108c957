import { describe, expect, it } from 'vitest';
import type { DataFile } from '../../bench/nab/corpus';
import {
  categoryOf,
  heldOutParts,
  leaveOneCategoryOut,
  type Candidate,
} from '../../bench/nab/leave-one-out';

const ROWS = 100;
const timestamps = Array.from({ length: ROWS }, (_, i) => i * 60_000);
/** One window per file, rows 50–59 (after the 15-row probation). */
const WINDOW = [timestamps[50] as number, timestamps[59] as number] as const;
const profiles = { standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 } };

function file(category: string, name: string): DataFile {
  return {
    relativePath: `${category}/${name}.csv`,
    path: `/nonexistent/${category}/${name}.csv`,
    timestamps,
    values: timestamps.map(() => 0),
    windows: [WINDOW],
  };
}

const corpus = ['A', 'B', 'C'].flatMap((c) => [file(c, 'one'), file(c, 'two')]);
const nullScores = new Map(corpus.map((f) => [f.relativePath, timestamps.map(() => 0)]));

/** Scores with a detection of `hit` at the window start and, optionally, a false one at row 80. */
function scores(perCategory: Record<string, { hit: number; falseAlarm?: number }>): Candidate {
  return {
    name: JSON.stringify(perCategory),
    scores: new Map(
      corpus.map((f) => {
        const { hit, falseAlarm = 0 } = perCategory[categoryOf(f)] ?? { hit: 0 };
        return [
          f.relativePath,
          timestamps.map((_, i) => (i === 50 ? hit : i === 80 ? falseAlarm : 0)),
        ];
      }),
    ),
  };
}

describe('NAB leave one category out', () => {
  it('scores a perfect detector 100 left out and in-sample', () => {
    const perfect = scores({ A: { hit: 1 }, B: { hit: 1 }, C: { hit: 1 } });
    const result = leaveOneCategoryOut(corpus, profiles, nullScores, [perfect]);
    expect(result.pooled.standard?.normalized).toBeCloseTo(100, 6);
    expect(result.inSample.standard?.normalized).toBeCloseTo(100, 6);
    for (const c of result.categories) expect(c.leftOut.standard?.normalized).toBeCloseTo(100, 6);
  });

  it('scores a category at the threshold the other categories chose, not at its own', () => {
    // A's anomalies score only 0.6; B and C flag theirs at 0.9 and a false alarm at 0.8 each,
    // so the others choose a threshold above 0.8 and A, left out, is missed.
    const detector = scores({
      A: { hit: 0.6 },
      B: { hit: 0.9, falseAlarm: 0.8 },
      C: { hit: 0.9, falseAlarm: 0.8 },
    });
    const result = leaveOneCategoryOut(corpus, profiles, nullScores, [detector]);
    const a = result.categories.find((c) => c.category === 'A');
    expect(a?.leftOut.standard?.threshold).toBe(0.9);
    expect(a?.leftOut.standard?.normalized).toBeCloseTo(0, 6);
    // In-sample, one threshold catches A too (a hit outweighs four cheap false alarms).
    expect(result.inSample.standard?.threshold).toBe(0.6);
    expect(a?.inSample.standard?.normalized).toBeCloseTo(100, 6);
    expect(result.pooled.standard?.normalized).toBeLessThan(
      result.inSample.standard?.normalized as number,
    );
  });

  it('chooses the setting on the other categories', () => {
    const forA = scores({ A: { hit: 1 } });
    const forOthers = scores({ B: { hit: 1 }, C: { hit: 1 } });
    const result = leaveOneCategoryOut(corpus, profiles, nullScores, [forA, forOthers]);
    const a = result.categories.find((c) => c.category === 'A');
    expect(a?.leftOut.standard?.candidate).toBe(forOthers.name);
    expect(a?.leftOut.standard?.normalized).toBeCloseTo(0, 6);
    const b = result.categories.find((c) => c.category === 'B');
    // Leaving B out, A and C tie (one category each): the earlier candidate wins the tie.
    expect(b?.leftOut.standard?.candidate).toBe(forA.name);
    expect(result.inSample.standard?.candidate).toBe(forOthers.name);
  });

  it('chooses the setting that does best on categories it was not fitted on', () => {
    // Left out A, the choice is made on B and C. `lucky` fits both perfectly, but only at a
    // threshold (0.5) that B alone would never choose: fitted on one of them, it misses the
    // other. `steady` pays one false alarm on B for the same threshold everywhere.
    const lucky = scores({ A: { hit: 1 }, B: { hit: 0.9 }, C: { hit: 0.5 } });
    const steady = scores({ A: { hit: 1 }, B: { hit: 0.9, falseAlarm: 0.95 }, C: { hit: 0.9 } });
    const result = leaveOneCategoryOut(corpus, profiles, nullScores, [lucky, steady]);
    const a = result.categories.find((c) => c.category === 'A');
    expect(a?.leftOut.standard?.candidate).toBe(steady.name);
    // One candidate: the threshold is all there is to choose, on the others' total as NAB does.
    const alone = leaveOneCategoryOut(corpus, profiles, nullScores, [lucky]);
    const aAlone = alone.categories.find((c) => c.category === 'A');
    expect(aAlone?.leftOut.standard?.threshold).toBe(0.5);
  });

  it('shows the parts a fold compares: each category at the threshold the others pick', () => {
    // Left out A, the choice sums B scored at C's threshold and C scored at B's. `lucky` finds
    // B's windows at C's threshold (0.5) and misses C's at B's (0.9): one part carries it.
    const lucky = scores({ A: { hit: 1 }, B: { hit: 0.9 }, C: { hit: 0.5 } });
    const rest = corpus.filter((f) => categoryOf(f) !== 'A');
    const parts = heldOutParts(rest, lucky, profiles.standard);
    expect(parts.map((p) => p.category)).toEqual(['B', 'C']);
    expect(parts.map((p) => p.threshold)).toEqual([0.5, 0.9]);
    expect(parts[0]?.raw).toBeGreaterThan(1.9);
    // Two windows missed in C: two false-negative charges.
    expect(parts[1]?.raw).toBeCloseTo(-2, 6);
  });

  it('has no normalised score for a category without windows, only its false-alarm cost', () => {
    const quiet = [file('A', 'one'), { ...file('Z', 'none'), windows: [] }];
    const nulls = new Map(quiet.map((f) => [f.relativePath, timestamps.map(() => 0)]));
    const detector: Candidate = {
      name: 'd',
      scores: new Map(
        quiet.map((f) => [
          f.relativePath,
          timestamps.map((_, i) => (i === 50 || i === 80 ? 1 : 0)),
        ]),
      ),
    };
    const result = leaveOneCategoryOut(quiet, profiles, nulls, [detector]);
    const z = result.categories.find((c) => c.category === 'Z');
    expect(z?.leftOut.standard?.normalized).toBeNull();
    // Two detections far from any window in Z: two full false-positive charges.
    expect(z?.leftOut.standard?.raw).toBeCloseTo(-0.22, 6);
  });
});
