/**
 * An error ratio read as a bare metric (Prometheus, alerts-only) is scaled like the RED path's
 * error rate, not by the floor that only keeps a division finite.
 */
import { describe, expect, it } from 'vitest';
import { metricChange, robustChange } from '../../activities/rca/stats';

const baseline = 18;
/** 18 baseline buckets of `base`, then the fault buckets. */
const series = (base: number, fault: number[]) => [
  ...new Array<number>(baseline).fill(base),
  ...fault,
];

describe('metricChange', () => {
  it('scores one failed request in a zero-baseline error ratio as a few sigmas, not millions', () => {
    // One request of 50 failed in two buckets of the window.
    const ratio = series(0, [0, 0.02, 0, 0.02, 0, 0]);
    // Read as a series of unknown meaning, a flat baseline says "several-fold", no more.
    expect(robustChange(ratio, baseline).z).toBeLessThanOrEqual(10);
    const z = metricChange(ratio, baseline).z;
    expect(z).toBeGreaterThan(1);
    expect(z).toBeLessThan(10);
    // Half the requests failing is still far beyond anything else.
    expect(metricChange(series(0, [0.5, 0.5, 0.5]), baseline).z).toBeGreaterThan(50);
  });

  it('leaves other metrics as the robust change scores them', () => {
    const bytes = series(0, [0, 2048, 4096]);
    expect(metricChange(bytes, baseline)).toEqual(robustChange(bytes, baseline));
    const busy = series(0.2, [0.2, 0.9, 0.9]);
    expect(metricChange(busy, baseline)).toEqual(robustChange(busy, baseline));
    // A per-minute scrape keeps the sparse series' own scale.
    const sparse = [0, 0, 0, 0.02, 0.02, 0.02];
    expect(metricChange(sparse, 3)).toEqual(robustChange(sparse, 3));
  });
});
