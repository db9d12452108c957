/**
 * Range breakout (the "spatial anomaly" of Numenta's NAB detector, graded): a point beyond every
 * value seen so far is anomalous whatever its context. The score grows with how far past the
 * seen range it lands, relative to that range, so one corpus-wide threshold picks the margin.
 * It fires at the onset of a new extreme, not throughout it. The excess counts from one step
 * past the range, the smallest move the series has made: a quantised series (failures in a
 * few hundred calls, a goroutine count) can only set a new extreme by a whole step, and one step
 * past a range a few steps wide read as a 10⁻⁶ event (on the calibration test's error ratios,
 * 8 failures in 200 calls after at most 7 scored 0.99). On a continuous series the step is
 * negligible.
 */
import type { StreamingDetector } from './types';

export interface RangeBreakoutConfig {
  /** Score of a point just past the range; inside the range the score is 0. */
  readonly floor: number;
  /** Excess, as a fraction of the seen range, at which the score is 1 − 1/e of the way to 1. */
  readonly scale: number;
  /** Points seen before breakouts count: the first few points always "break" a tiny range. */
  readonly warmup: number;
}

export type RangeBreakoutState = {
  min: number | null;
  max: number | null;
  count: number;
  /** The smallest nonzero move between consecutive points (absent: none yet, or an old state). */
  step?: number;
  /** The previous point (absent in states stored before the step was kept). */
  last?: number;
};

/** Excess below this is rounding: one step of decimal readings may land a hair past it. */
const ROUNDING = 1e-9;

export class RangeBreakoutDetector implements StreamingDetector<number, RangeBreakoutState> {
  private s: RangeBreakoutState = { min: null, max: null, count: 0 };

  constructor(private readonly config: RangeBreakoutConfig) {}

  score(x: number): number {
    const { min, max, count, step, last } = this.s;
    let result = 0;
    // A constant history has no scale to measure a breakout against.
    if (min !== null && max !== null && max > min && count >= this.config.warmup) {
      const excess = (Math.max(x - max, min - x) - (step ?? 0)) / (max - min);
      if (excess > ROUNDING) {
        const { floor, scale } = this.config;
        result = floor + (1 - floor) * (1 - Math.exp(-excess / scale));
      }
    }
    const move = last === undefined ? 0 : Math.abs(x - last);
    if (move > 0) this.s.step = Math.min(step ?? move, move);
    this.s.min = min === null ? x : Math.min(min, x);
    this.s.max = max === null ? x : Math.max(max, x);
    this.s.count = count + 1;
    this.s.last = x;
    return result;
  }

  exportState(): RangeBreakoutState {
    return { ...this.s };
  }

  importState(state: RangeBreakoutState): void {
    this.s = { ...state };
  }
}
