import { describe, expect, it } from 'vitest';
import { nearestBaselineStart } from '../../activities/investigation-baseline';

describe('the investigation baseline: the healthy traffic nearest the fault', () => {
  const t = 10_000_000;
  const minute = 60_000;

  it('is the whole baseline before the fault when no other incident came before it', () => {
    expect(nearestBaselineStart(t, 10 * minute, [])).toBe(t - 10 * minute);
  });

  it('stays on this side of an earlier incident when that leaves a clean minute or more', () => {
    // An incident until five minutes before the fault: the five minutes since, not ten reaching
    // back across it into the traffic before.
    expect(
      nearestBaselineStart(t, 10 * minute, [{ from: t - 8 * minute, to: t - 5 * minute }]),
    ).toBe(t - 5 * minute);
  });

  it('reaches back past an incident that ended too close to the fault, as before', () => {
    // Thirty clean seconds since: the baseline leaves the incident out and stays ten minutes long.
    expect(
      nearestBaselineStart(t, 10 * minute, [{ from: t - 4 * minute, to: t - minute / 2 }]),
    ).toBe(t - 13 * minute - minute / 2);
  });
});
