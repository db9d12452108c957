/**
 * Robust baseline: how far a point sits from what history predicts, in robust units. The
 * prediction is the median of the same phase in recent cycles when the series is seasonal,
 * else the rolling median of recent points; the unit is the MAD of past residuals.
 */
import { packSingles, toSingle, unpackSingles } from './packing';
import { RollingQuantiles } from './rolling';
import {
  MemberSeason,
  samePhaseMedian,
  type SeasonTracker,
  type SeasonTrackerConfig,
  type SeasonTrackerState,
} from './season-tracker';
import { surprise, robustScale } from './scaling';
import type { StreamingDetector } from './types';

export interface RobustBaselineConfig {
  readonly season: SeasonTrackerConfig;
  /** Cycles whose same-phase values form the seasonal prediction. */
  readonly cycles: number;
  /** Recent points whose median predicts a non-seasonal series. */
  readonly localWindow: number;
  /** Past residuals the robust scale is measured on. */
  readonly residualWindow: number;
  /** Residuals needed before scoring (score 0 until then). */
  readonly warmup: number;
  /** Robust z at which the score reaches 1 − 1/e. */
  readonly zScale: number;
}

export type RobustBaselineState = {
  /** Absent when the tracker is shared (its owner stores it). */
  season?: SeasonTrackerState;
  local: number[];
  /** Past residuals, packed (./packing). */
  residuals: string;
};

export class RobustBaselineDetector implements StreamingDetector<number, RobustBaselineState> {
  private readonly season: MemberSeason;
  private local: RollingQuantiles;
  private residuals: RollingQuantiles;

  constructor(
    private readonly config: RobustBaselineConfig,
    shared?: SeasonTracker,
  ) {
    this.season = new MemberSeason(config.season, shared);
    this.local = new RollingQuantiles(config.localWindow);
    this.residuals = new RollingQuantiles(config.residualWindow);
  }

  score(x: number): number {
    const residual = x - this.predict();
    let z = 0;
    if (Number.isFinite(residual) && this.residuals.length >= this.config.warmup) {
      const center = this.residuals.median();
      z = Math.abs(residual - center) / robustScale(this.residuals, center, x);
    }
    if (Number.isFinite(residual)) this.residuals.push(toSingle(residual));
    this.local.push(x);
    this.season.record(x);
    return surprise(z, this.config.zScale);
  }

  private predict(): number {
    return (
      samePhaseMedian(this.season.tracker, this.config.cycles) ??
      (this.local.length > 0 ? this.local.median() : NaN)
    );
  }

  exportState(): RobustBaselineState {
    return {
      ...this.season.exportState(),
      local: this.local.toArray(),
      residuals: packSingles(this.residuals.toArray()),
    };
  }

  importState(state: RobustBaselineState): void {
    this.season.importState(state.season);
    this.local = new RollingQuantiles(this.config.localWindow, state.local);
    this.residuals = new RollingQuantiles(
      this.config.residualWindow,
      unpackSingles(state.residuals),
    );
  }
}
