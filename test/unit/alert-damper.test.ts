import { describe, expect, it } from 'vitest';
import { AlertDamper, type AlertDamperState } from '../../detectors/anomaly/alert-damper';
import { DEFAULT_ENSEMBLE_CONFIG } from '../../detectors/anomaly/config';

const CONFIG = DEFAULT_ENSEMBLE_CONFIG.damper;

/** A quiet series (0.1) with one-point excursions of 0.9 at `at`; returns the damper's output. */
function alerts(at: readonly number[], damper = new AlertDamper(CONFIG)): Map<number, number> {
  const out = new Map<number, number>();
  const last = Math.max(...at);
  for (let i = 0; i <= last; i++) {
    const score = damper.score(at.includes(i) ? 0.9 : 0.1);
    if (at.includes(i)) out.set(i, score);
  }
  return out;
}

describe('alert damper: an excursion on the schedule of earlier ones is routine', () => {
  it('lets the first two of a daily event through, and silences it once a third keeps the schedule', () => {
    // A 288-point day; the third and fourth days' starts wander by 4 and 7 points (< 3%).
    const out = alerts([1000, 1288, 1580, 1871]);
    expect(out.get(1000)).toBe(0.9);
    expect(out.get(1288)).toBe(0.9);
    expect(out.get(1580)).toBe(0);
    expect(out.get(1871)).toBe(0);
  });

  it('alerts on excursions whose gaps differ by more than the tolerance', () => {
    // Gaps of 288 and 310 (7% apart), then an excursion on no schedule of any two before it.
    const out = alerts([1000, 1288, 1598, 2100]);
    expect([...out.values()]).toEqual([0.9, 0.9, 0.9, 0.9]);
  });

  it('keeps the schedule across an unrelated excursion between two runs', () => {
    // An event every 600 points at 1000, 1600 and 2200, with an excursion of its own at 1250.
    const out = alerts([1000, 1250, 1600, 2200]);
    expect(out.get(1250)).toBe(0.9);
    expect(out.get(1600)).toBe(0.9);
    expect(out.get(2200)).toBe(0);
  });

  it('reads the schedule from the last start: two older starts make no schedule', () => {
    // 1000 and 4000 are 3000 apart and 7000 lies 3000 after 4000, but the last start (5000)
    // came 2000 before 7000 and no start lies 2000 before it: a chance pairing, not a rhythm.
    const out = alerts([1000, 4000, 5000, 7000]);
    expect(out.get(7000)).toBe(0.9);
  });

  it('marks an excursion by its first strong point: a long excursion is no schedule', () => {
    // Strong points every 100 points from 1000 to 1400 keep one rest going (150 points): one
    // excursion, started at 1000. 1700 and 2000 keep the spacing of 1400 and 1700, but 1400 is
    // no start, so 2000 is the third start on no schedule (1000, 1700, 2000).
    const damper = new AlertDamper(CONFIG);
    const out = alerts([1000, 1100, 1200, 1300, 1400, 1700, 2000], damper);
    expect(out.get(1700)).toBe(0.9);
    expect(out.get(2000)).toBe(0.9);
  });

  it('keeps its schedule across a stored state, and reads a state stored before it kept one', () => {
    const damper = new AlertDamper(CONFIG);
    alerts([1000, 1288], damper);
    const restored = new AlertDamper(CONFIG);
    restored.importState(JSON.parse(JSON.stringify(damper.exportState())) as AlertDamperState);
    for (let i = 1289; i < 1576; i++) restored.score(0.1);
    expect(restored.score(0.9)).toBe(0);

    const { recent, sinceStrong, restPeak } = damper.exportState();
    const before: AlertDamperState = { recent, sinceStrong, restPeak };
    const old = new AlertDamper(CONFIG);
    old.importState(before);
    for (let i = 0; i < 400; i++) old.score(0.1);
    expect(old.score(0.9)).toBe(0.9);
  });
});
