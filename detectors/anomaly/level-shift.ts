/**
 * Level shift: how far the mean of the last few points sits from what the series' longer run
 * says, in standard errors of that mean. A shift of the level smaller than the noise is invisible
 * point by point (each point is within its spread) but not in a short mean, whose spread is the
 * noise's over √(points); the point detectors see the first point of a shift, this one its first
 * few. Each point is read against the season when there is one (its departure from the median of
 * the same phase in recent cycles, as the robust baseline predicts it), so a cycle is no shift.
 * The reference is the window of readings before the recent points, robust (median and MAD):
 * spikes in it do not widen it. When the period found changes, every reading kept is taken again
 * from the season's history against the new period (starting again instead blinded the member
 * each time the period estimate moved: NAB LOO 70.00 → 68.83, docs/benchmarks.md round 8), and
 * until the season has been searched for the member gives no reading: readings taken before
 * then (a cycle's whole swing read as shifts) taught its likelihood that shifts are common, and
 * drops under a cycle went unseen (docs/benchmarks.md, NAB round 9).
 */
import { packSingles, toSingle, unpackSingles } from './packing';
import { RingBuffer, RollingQuantiles } from './rolling';
import { robustScale, surprise } from './scaling';
import {
  MemberSeason,
  residualsOfHistory,
  samePhaseMedian,
  type SeasonTracker,
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
  /** The period the readings were taken against (absent in states stored before it was kept). */
  period?: number | null;
};

export class LevelShiftDetector implements StreamingDetector<number, LevelShiftState> {
  private readonly season: MemberSeason;
  private recent: RingBuffer;
  private reference: RollingQuantiles;
  private period: number | null = null;

  constructor(
    private readonly config: LevelShiftConfig,
    shared?: SeasonTracker,
  ) {
    this.season = new MemberSeason(config.season, shared);
    this.recent = new RingBuffer(config.recent);
    this.reference = new RollingQuantiles(config.reference);
  }

  score(x: number): number {
    if (this.season.tracker.period !== this.period) this.rereadHistory();
    const reading = toSingle(x - (samePhaseMedian(this.season.tracker, this.config.cycles) ?? 0));
    this.season.record(x);
    const older = this.recent.push(reading);
    if (older !== undefined) this.reference.push(older);
    if (this.reference.length < this.config.warmup) return 0;
    // Not yet known whether the series has a season: no reading (./types).
    if (!this.season.tracker.searched) return NaN;
    const mean = this.recent.sum() / this.recent.length;
    const center = this.reference.median();
    const standardError = robustScale(this.reference, center, x) / Math.sqrt(this.recent.length);
    return surprise(Math.abs(mean - center) / standardError, this.config.zScale);
  }

  /**
   * Takes the readings again from the tracker's history against the period now found, so the
   * recent mean and its reference are read the same way: a reference of readings taken against
   * no period (a cycle's whole swing) or another period would make every shift look small, or
   * a cycle look like one. Points without a cycle before them in the history are left out.
   */
  private rereadHistory(): void {
    this.period = this.season.tracker.period;
    const readings = residualsOfHistory(
      this.season.tracker,
      this.config.cycles,
      this.config.recent + this.config.reference,
      () => 0,
    );
    const cut = Math.max(0, readings.length - this.config.recent);
    this.recent = new RingBuffer(this.config.recent, readings.slice(cut));
    this.reference = new RollingQuantiles(this.config.reference, readings.slice(0, cut));
  }

  exportState(): LevelShiftState {
    return {
      ...this.season.exportState(),
      recent: this.recent.toArray(),
      reference: packSingles(this.reference.toArray()),
      period: this.period,
    };
  }

  importState(state: LevelShiftState): void {
    this.season.importState(state.season);
    this.recent = new RingBuffer(this.config.recent, state.recent);
    this.reference = new RollingQuantiles(this.config.reference, unpackSingles(state.reference));
    this.period = state.period ?? null;
  }
}
