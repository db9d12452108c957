/**
 * Robust baseline: how far a point sits from what history predicts, in robust units. The
 * prediction is the median of the same phase in recent cycles when the series is seasonal,
 * else the rolling median of recent points; the unit is the MAD of past residuals. When the
 * period found changes, the past residuals are taken again from the season's history against
 * the new prediction, as the level-shift member does: residuals of the old one (a cycle's edges
 * read as misses by a local median, or a spurious period's) are not the new prediction's errors,
 * and would widen or narrow its unit for a whole window (docs/benchmarks.md, NAB round 11).
 */
import { packSingles, toSingle, unpackSingles } from './packing';
import { RollingQuantiles } from './rolling';
import {
  MemberSeason,
  residualsOfHistory,
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
  /** The period the residuals were taken against (absent in states stored before it was kept). */
  period?: number | null;
};

export class RobustBaselineDetector implements StreamingDetector<number, RobustBaselineState> {
  private readonly season: MemberSeason;
  private local: RollingQuantiles;
  private residuals: RollingQuantiles;
  /** The period the residuals were taken against. */
  private period: number | null = null;

  constructor(
    private readonly config: RobustBaselineConfig,
    shared?: SeasonTracker,
  ) {
    this.season = new MemberSeason(config.season, shared);
    this.local = new RollingQuantiles(config.localWindow);
    this.residuals = new RollingQuantiles(config.residualWindow);
  }

  score(x: number): number {
    if (this.season.tracker.period !== this.period) this.rereadResiduals();
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

  /**
   * The residuals of the history's points against the period now found (the same phase of the
   * cycles before each point; without a period, the median of the points just before it).
   * Points with nothing before them to predict from are left out.
   */
  private rereadResiduals(): void {
    this.period = this.season.tracker.period;
    const residuals = residualsOfHistory(
      this.season.tracker,
      this.config.cycles,
      this.config.residualWindow,
      (ago) => this.localMedianBefore(ago),
    );
    this.residuals = new RollingQuantiles(this.config.residualWindow, residuals);
  }

  /** The median of the `localWindow` history points before the one `ago` points back. */
  private localMedianBefore(ago: number): number | undefined {
    const before: number[] = [];
    for (let k = 1; k <= this.config.localWindow; k++) {
      const v = this.season.tracker.back(ago + k);
      if (v !== undefined) before.push(v);
    }
    return before.length > 0 ? new RollingQuantiles(before.length, before).median() : undefined;
  }

  exportState(): RobustBaselineState {
    return {
      ...this.season.exportState(),
      local: this.local.toArray(),
      residuals: packSingles(this.residuals.toArray()),
      period: this.period,
    };
  }

  importState(state: RobustBaselineState): void {
    this.season.importState(state.season);
    this.local = new RollingQuantiles(this.config.localWindow, state.local);
    this.residuals = new RollingQuantiles(
      this.config.residualWindow,
      unpackSingles(state.residuals),
    );
    this.period = state.period ?? null;
  }
}
