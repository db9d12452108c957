import { describe, expect, it } from 'vitest';
import type { DataFile } from '../../bench/nab/corpus';
import { rawScore, scoreCorpus } from '../../bench/nab/scorer';
import { summarize, windowReport } from '../../bench/nab/window-report';

const ROWS = 200;
const timestamps = Array.from({ length: ROWS }, (_, i) => i * 60_000);
const standard = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };

/** Windows at rows 40–59 and 120–139 (after the 30-row probation). */
const file: DataFile = {
  relativePath: 'cat/series.csv',
  path: '/nonexistent/cat/series.csv',
  timestamps,
  values: timestamps.map(() => 0),
  windows: [
    [timestamps[40] as number, timestamps[59] as number],
    [timestamps[120] as number, timestamps[139] as number],
  ],
};

function scoresWith(alerts: Record<number, number>): number[] {
  return timestamps.map((_, i) => alerts[i] ?? 0);
}

describe('NAB window report', () => {
  it('places the first alert in its window, counts misses and false alarms as the scorer does', () => {
    // An alert in probation (10), two in the first window (the later one pays nothing more),
    // none in the second, one just after the first window and one far from every window.
    const scores = scoresWith({ 10: 0.9, 45: 0.8, 50: 0.95, 62: 0.9, 100: 0.7 });
    const report = windowReport(file, scores, 0.7, standard);
    const [first, second] = report.windows;
    expect(first?.firstAlert).toBe(45);
    expect(second?.firstAlert).toBeNull();
    expect(second?.earned).toBe(-1);
    expect(report.falseAlarms.map((f) => f.row)).toEqual([62, 100]);
    // An alert just after a window costs less than one far from it.
    const [near, far] = report.falseAlarms;
    expect(Math.abs(near?.cost ?? 0)).toBeLessThan(Math.abs(far?.cost ?? 0));

    const s = summarize([report], standard.tpWeight);
    const total = s.earnedFound - s.missed * standard.fnWeight + s.falseAlarmCost;
    expect(total).toBeCloseTo(
      scoreCorpus([file], new Map([[file.relativePath, scores]]), standard, 0.7),
      9,
    );
    expect(
      rawScore([file], new Map([[file.relativePath, scores]]), standard).raw,
    ).toBeGreaterThanOrEqual(total);
  });

  it('splits lateness into what an alert at the middle of the window would lose and the rest', () => {
    const atMiddle = windowReport(file, scoresWith({ 49: 1, 129: 1 }), 0.5, standard);
    const early = windowReport(file, scoresWith({ 40: 1, 121: 1 }), 0.5, standard);
    const late = windowReport(file, scoresWith({ 57: 1, 138: 1 }), 0.5, standard);
    const [m, e, l] = [atMiddle, early, late].map((r) => summarize([r], 1));
    expect(m?.lateAfterMiddle).toBe(0);
    expect(m?.lateAtMiddle).toBeGreaterThan(0.2);
    expect(e?.lateAfterMiddle).toBe(0);
    expect(e?.lateAtMiddle).toBeLessThan(0.05);
    expect(l?.lateAfterMiddle).toBeGreaterThan(0.5);
    // Both parts together are what the windows fall short of the left edge's full reward.
    for (const s of [m, e, l]) {
      expect((s?.lateAtMiddle ?? 0) + (s?.lateAfterMiddle ?? 0)).toBeCloseTo(
        2 - (s?.earnedFound ?? 0),
        9,
      );
    }
  });
});
