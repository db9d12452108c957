/**
 * Forecast residual: additive Holt-Winters (damped trend; seasonal once a period is detected)
 * predicts each point; the score is the one-step residual over an exponentially weighted mean
 * absolute residual, i.e. how badly the point broke a smooth forecast.
 */
import {
  MemberSeason,
  type SeasonTracker,
  type SeasonTrackerConfig,
  type SeasonTrackerState,
} from './season-tracker';
import { packDoubles, unpackDoubles } from './packing';
import { scaleFloor, surprise } from './scaling';
import type { StreamingDetector } from './types';

export interface ForecastResidualConfig {
  readonly season: SeasonTrackerConfig;
  /** Level, trend and seasonal smoothing. */
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  /** Trend damping per step, < 1 so trends do not run away. */
  readonly phi: number;
  /** Smoothing of the mean absolute residual (the score's unit). */
  readonly errorAlpha: number;
  /** Points before scoring (score 0 until then). */
  readonly warmup: number;
  /** Scaled residual at which the score reaches 1 − 1/e. */
  readonly zScale: number;
}

type Smoothing = {
  level: number | null;
  trend: number;
  /** Seasonal offsets by phase, phase = count mod seasonal.length; empty when not seasonal. */
  seasonal: number[];
  meanAbsError: number | null;
  count: number;
};

export type ForecastResidualState = Omit<Smoothing, 'seasonal'> & {
  /** Absent when the tracker is shared (its owner stores it). */
  season?: SeasonTrackerState;
  /** The seasonal offsets, packed (./packing). */
  seasonal: string;
};

/** Mean absolute deviation to standard deviation for Gaussian data. */
const MEAN_ABS_TO_SIGMA = 1.2533;

export class ForecastResidualDetector implements StreamingDetector<number, ForecastResidualState> {
  private readonly season: MemberSeason;
  private s: Smoothing = {
    level: null,
    trend: 0,
    seasonal: [],
    meanAbsError: null,
    count: 0,
  };

  constructor(
    private readonly config: ForecastResidualConfig,
    shared?: SeasonTracker,
  ) {
    this.season = new MemberSeason(config.season, shared);
  }

  score(x: number): number {
    // A shared tracker was fed the previous point after this member scored it.
    if (!this.season.owned) this.adoptPeriod(this.season.tracker.period);
    const { alpha, beta, gamma, phi, errorAlpha } = this.config;
    const s = this.s;
    if (s.level === null) {
      s.level = x;
      this.advance(x);
      return 0;
    }
    const phase = s.seasonal.length > 0 ? s.count % s.seasonal.length : -1;
    const offset = phase >= 0 ? (s.seasonal[phase] as number) : 0;
    const residual = x - (s.level + phi * s.trend + offset);

    let z = 0;
    if (s.meanAbsError !== null && s.count >= this.config.warmup) {
      z = Math.abs(residual) / Math.max(MEAN_ABS_TO_SIGMA * s.meanAbsError, scaleFloor(x));
    }
    const absError = Math.abs(residual);
    s.meanAbsError =
      s.meanAbsError === null
        ? absError
        : s.meanAbsError + errorAlpha * (absError - s.meanAbsError);

    const previousLevel = s.level;
    s.level = alpha * (x - offset) + (1 - alpha) * (previousLevel + phi * s.trend);
    s.trend = beta * (s.level - previousLevel) + (1 - beta) * phi * s.trend;
    if (phase >= 0) s.seasonal[phase] = gamma * (x - s.level) + (1 - gamma) * offset;
    this.advance(x);
    return surprise(z, this.config.zScale);
  }

  private advance(x: number): void {
    this.s.count++;
    if (this.season.record(x)) this.adoptPeriod(this.season.tracker.period);
  }

  /** Re-seeds seasonal offsets from history when the detected period changes. */
  private adoptPeriod(period: number | null): void {
    const s = this.s;
    if ((period ?? 0) === s.seasonal.length) return;
    if (period === null) {
      s.seasonal = [];
      return;
    }
    const span = Math.min(this.season.tracker.length, 3 * period);
    const sums = new Array<number>(period).fill(0);
    const counts = new Array<number>(period).fill(0);
    let total = 0;
    for (let ago = 0; ago < span; ago++) {
      const v = this.season.tracker.back(ago) as number;
      // The next point has phase count mod period; the newest recorded one is a step earlier.
      const phase = (((s.count - 1 - ago) % period) + period) % period;
      sums[phase] = (sums[phase] as number) + v;
      counts[phase] = (counts[phase] as number) + 1;
      total += v;
    }
    const mean = total / span;
    s.seasonal = sums.map((sum, i) =>
      (counts[i] as number) > 0 ? sum / (counts[i] as number) - mean : 0,
    );
    s.level = mean;
    s.trend = 0;
  }

  exportState(): ForecastResidualState {
    return {
      ...this.season.exportState(),
      ...this.s,
      seasonal: packDoubles(this.s.seasonal),
    };
  }

  importState(state: ForecastResidualState): void {
    this.season.importState(state.season);
    this.s = {
      level: state.level,
      trend: state.trend,
      seasonal: unpackDoubles(state.seasonal),
      meanAbsError: state.meanAbsError,
      count: state.count,
    };
  }
}
