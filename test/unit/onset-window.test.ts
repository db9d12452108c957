import { describe, expect, it } from 'vitest';
import { fromOnset } from '../../activities/rca/onset-window';

const firstAnomaly = 1_000_000;
const lead = 60_000;
const other = { from: 100_000, to: 200_000, services: ['cart'] };
const bounds = { baselineStart: 0, faultStart: firstAnomaly - lead, others: [other] };

describe('the ranked fault window starts at the first anomaly', () => {
  it('ranks from the first anomaly and leaves the lead before it out of the baseline', () => {
    const ranked = fromOnset(bounds, firstAnomaly);
    expect(ranked.faultStart).toBe(firstAnomaly);
    expect(ranked.baselineStart).toBe(0);
    expect(ranked.others).toEqual([other, { from: firstAnomaly - lead, to: firstAnomaly }]);
  });

  it('keeps the window as it is without a first anomaly (an investigation run by hand)', () => {
    expect(fromOnset(bounds, undefined)).toBe(bounds);
  });

  it('keeps a window that already starts at the first anomaly (another incident ended just before)', () => {
    const after = { ...bounds, faultStart: firstAnomaly };
    expect(fromOnset(after, firstAnomaly)).toBe(after);
  });
});
