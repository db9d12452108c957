import { describe, expect, it } from 'vitest';
import { settingGrid } from '../../bench/nab/settings';
import { DEFAULT_ENSEMBLE_CONFIG } from '../../detectors/anomaly/config';
import type { SpreadShiftConfig } from '../../detectors/anomaly/spread-shift';

/** The spread shift's choices made on the whole corpus: each must be paid for in the grid. */
const SPREAD_CHOICES = ['independentShare', 'recent', 'share', 'reference'] as const;

describe('bench:nab setting grid', () => {
  const grid = settingGrid(DEFAULT_ENSEMBLE_CONFIG);

  it('starts with the shipped configuration, every name once', () => {
    expect(grid[0]?.config).toBe(DEFAULT_ENSEMBLE_CONFIG);
    expect(new Set(grid.map((s) => s.name)).size).toBe(grid.length);
  });

  it.each(SPREAD_CHOICES)(
    "holds a smaller and a larger spread shift '%s' beside the shipped one, nothing else changed",
    (choice) => {
      const shipped = DEFAULT_ENSEMBLE_CONFIG.spread[choice];
      const moved = grid.filter((s) => s.config.spread[choice] !== shipped);
      for (const setting of moved) {
        const rest: Partial<SpreadShiftConfig> = { ...setting.config.spread, [choice]: shipped };
        expect(rest).toEqual(DEFAULT_ENSEMBLE_CONFIG.spread);
        expect({ ...setting.config, spread: DEFAULT_ENSEMBLE_CONFIG.spread }).toEqual(
          DEFAULT_ENSEMBLE_CONFIG,
        );
      }
      const values = moved.map((s) => s.config.spread[choice]);
      expect(values.some((v) => v < shipped)).toBe(true);
      expect(values.some((v) => v > shipped)).toBe(true);
    },
  );
});
