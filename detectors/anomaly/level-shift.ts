/**
 * Level shift: how far the mean of the last few points sits from what the series' longer run
 * says, in standard errors of that mean. A shift of the level smaller than the noise is invisible
 * point by point (each point is within its spread) but not in a short mean, whose spread is the
 * noise's over √(points); the point detectors see the first point of a shift, this one its first
 * few. Each point is read against the season when there is one (its departure from the median of
 * the same phase in recent cycles, as the robust baseline predicts it), so a cycle is no shift.
 * The reference is the window of readings before the recent points, robust (median and MAD):
 * spikes in it do not widen it, and when the period found changes, the readings taken against
 * the old one are outvoted as they age out (starting again blinded the member each time the
 * period estimate moved: NAB LOO 70.00 → 68.83, docs/benchmarks.md round 8).
 */
import { packSingles, toSingle, unpackSingles } from './packing';
import { RingBuffer, RollingQuantiles } from './rolling';
import { robustScale, surprise } from './scaling';
import {
  ownSeason,
  samePhaseMedian,
  SeasonTracker,
  type SeasonTrackerConfig,
  type SeasonTrackerState,
} from './season-tracker';
import type { StreamingDetector } from './types';

export interface LevelShiftConfig {
  readonly season: SeasonTrackerConfig;
  /** Cycles whose same-phase values predict a point of a seasonal series. */
  readonly cycles: number;
  /** Points whose mean is tested. */
  readonly recent: number;
  /** Points before them that the mean is tested against. */
  readonly reference: number;
  /** Reference points needed before scoring (score 0 until then). */
  readonly warmup: number;
  /** Shift, in standard errors of the recent mean, at which the score reaches 1 − 1/e. */
  readonly zScale: number;
}

export type LevelShiftState = {
  /** Absent when the tracker is shared (its owner stores it). */
  season?: SeasonTrackerState;
  recent: number[];
  /** The reference readings, packed (./packing). */
  reference: string;
};

export class LevelShiftDetector implements StreamingDetector<number, LevelShiftState> {
  private readonly season: SeasonTracker;
  /** False when the ensemble shares one tracker among its members and feeds it itself. */
  private readonly ownsSeason: boolean;
  private recent: RingBuffer;
  private reference: RollingQuantiles;

  constructor(
    private readonly config: LevelShiftConfig,
    shared?: SeasonTracker,
  ) {
    this.season = shared ?? new SeasonTracker(config.season);
    this.ownsSeason = shared === undefined;
    this.recent = new RingBuffer(config.recent);
    this.reference = new RollingQuantiles(config.reference);
  }

  score(x: number): number {
    const reading = toSingle(x - (samePhaseMedian(this.season, this.config.cycles) ?? 0));
    if (this.ownsSeason) this.season.push(x);
    const older = this.recent.push(reading);
    if (older !== undefined) this.reference.push(older);
    if (this.reference.length < this.config.warmup) return 0;
    const recent = this.recent.toArray();
    const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
    const center = this.reference.median();
    const standardError = robustScale(this.reference, center, x) / Math.sqrt(recent.length);
    return surprise(Math.abs(mean - center) / standardError, this.config.zScale);
  }

  exportState(): LevelShiftState {
    return {
      ...(this.ownsSeason && { season: this.season.exportState() }),
      recent: this.recent.toArray(),
      reference: packSingles(this.reference.toArray()),
    };
  }

  importState(state: LevelShiftState): void {
    if (this.ownsSeason) this.season.importState(ownSeason(state.season));
    this.recent = new RingBuffer(this.config.recent, state.recent);
    this.reference = new RollingQuantiles(this.config.reference, unpackSingles(state.reference));
  }
}
