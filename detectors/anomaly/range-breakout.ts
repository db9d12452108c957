/**
 * Range breakout (the "spatial anomaly" of Numenta's NAB detector, graded): a point beyond every
 * value seen so far is anomalous whatever its context. The score grows with how far past the
 * seen range it lands, relative to that range, so one corpus-wide threshold picks the margin.
 * It fires at the onset of a new extreme, not throughout it.
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

export type RangeBreakoutState = { min: number | null; max: number | null; count: number };

export class RangeBreakoutDetector implements StreamingDetector<number, RangeBreakoutState> {
  private s: RangeBreakoutState = { min: null, max: null, count: 0 };

  constructor(private readonly config: RangeBreakoutConfig) {}

  score(x: number): number {
    const { min, max, count } = this.s;
    let result = 0;
    // A constant history has no scale to measure a breakout against.
    if (min !== null && max !== null && max > min && count >= this.config.warmup) {
      const excess = Math.max(x - max, min - x) / (max - min);
      if (excess > 0) {
        const { floor, scale } = this.config;
        result = floor + (1 - floor) * (1 - Math.exp(-excess / scale));
      }
    }
    this.s = {
      min: min === null ? x : Math.min(min, x),
      max: max === null ? x : Math.max(max, x),
      count: count + 1,
    };
    return result;
  }

  exportState(): RangeBreakoutState {
    return { ...this.s };
  }

  importState(state: RangeBreakoutState): void {
    this.s = { ...state };
  }
}
