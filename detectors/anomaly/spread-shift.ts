/**
 * Spread shift: whether the last few steps of the series (its point-to-point changes) are
 * larger, or smaller, than its steps before them, as a binomial test: under the old spread a
 * step lands above the reference steps' top `share` (or below their bottom `share`) with
 * probability `share`, so many such steps in a row are a change of variance. A series that starts
 * to swing inside its old range, or falls still, shows no point outside the band the other
 * members read (each value was seen before) but a new spread. Steps, not values, so a level
 * shift is two large steps, not a new spread; counts, so a single spike moves the test by two
 * steps. On a seasonal series the steps are those of the departures from the same phase in
 * recent cycles (as the level shift reads them), so a cycle's steep hours are no new spread; until
 * the season has been searched for the member reads 0, as the level shift reads nothing.
 */
import { binomialTailLog10 } from '../series-scorer';
import { tailScore } from './calibration';
import { packSingles, toSingle, unpackSingles } from './packing';
import { RingBuffer, RollingQuantiles } from './rolling';
import {
  MemberSeason,
  residualsOfHistory,
  samePhaseMedian,
  type SeasonTracker,
  type SeasonTrackerConfig,
  type SeasonTrackerState,
} from './season-tracker';
import type { StreamingDetector } from './types';

export interface SpreadShiftConfig {
  readonly season: SeasonTrackerConfig;
  /** Cycles whose same-phase values predict a point of a seasonal series. */
  readonly cycles: number;
  /** Steps in each of the two recent runs tested. */
  readonly recent: number;
  /** Steps before them that set the band a step is large or small against. */
  readonly reference: number;
  /** Reference steps needed before scoring (score 0 until then). */
  readonly warmup: number;
  /** Share of reference steps above the band's top (and below its bottom). */
  readonly share: number;
  /**
   * The share of the recent steps the test counts as independent draws (its log tail probability
   * is scaled by it): neighbouring steps share a point, and a series' spread wanders.
   */
  readonly independentShare: number;
}

export type SpreadShiftState = {
  /** Absent when the tracker is shared (its owner stores it). */
  season?: SeasonTrackerState;
  /** The last departure from the season, the start of the next step. */
  previous: number | null;
  /** The recent steps and the reference steps, packed (./packing). */
  recent: string;
  reference: string;
  /** The period the steps were taken against. */
  period: number | null;
};

export class SpreadShiftDetector implements StreamingDetector<number, SpreadShiftState> {
  private readonly season: MemberSeason;
  private previous: number | null = null;
  private recent: RingBuffer;
  private reference: RollingQuantiles;
  private period: number | null = null;
  /** log10 P(X ≥ k) for X ~ Binomial(recent, share), k = 0 … recent: the test's only tails. */
  private readonly tail: readonly number[];

  constructor(
    private readonly config: SpreadShiftConfig,
    shared?: SeasonTracker,
  ) {
    this.season = new MemberSeason(config.season, shared);
    this.recent = new RingBuffer(2 * config.recent);
    this.reference = new RollingQuantiles(config.reference);
    this.tail = Array.from({ length: config.recent + 1 }, (_, k) =>
      binomialTailLog10(k, config.recent, config.share),
    );
  }

  score(x: number): number {
    if (this.season.tracker.period !== this.period) this.rereadHistory();
    const departure = x - (samePhaseMedian(this.season.tracker, this.config.cycles) ?? 0);
    this.season.record(x);
    const previous = this.previous;
    this.previous = departure;
    if (previous === null) return 0;
    const older = this.recent.push(toSingle(Math.abs(departure - previous)));
    if (older !== undefined) this.reference.push(older);
    if (this.reference.length < this.config.warmup) return 0;
    // Not yet known whether the series has a season: it states no tail (a stated member has no
    // likelihood to read a missing reading as neutral).
    if (!this.season.tracker.searched) return 0;
    // A new spread holds: both runs of recent steps must show it (a burst of spikes fills one).
    const log10P = Math.max(this.log10P(0), this.log10P(this.config.recent));
    return tailScore(log10P * this.config.independentShare + Math.log10(2));
  }

  /**
   * The rarer of the two tails of the run of steps starting `ago` steps back: too many large
   * steps, or too many small ones.
   */
  private log10P(ago: number): number {
    const { share, recent } = this.config;
    const top = this.reference.quantile(1 - share);
    const bottom = this.reference.quantile(share);
    let above = 0;
    let below = 0;
    for (let i = ago; i < ago + recent; i++) {
      const step = this.recent.back(i) as number;
      if (step > top) above++;
      else if (step < bottom) below++;
    }
    return Math.min(this.tail[above] as number, this.tail[below] as number);
  }

  /** Takes the steps again from the tracker's history against the period now found. */
  private rereadHistory(): void {
    this.period = this.season.tracker.period;
    const departures = residualsOfHistory(
      this.season.tracker,
      this.config.cycles,
      2 * this.config.recent + this.config.reference + 1,
      () => 0,
    );
    const steps = departures
      .slice(1)
      .map((d, i) => toSingle(Math.abs(d - (departures[i] as number))));
    const cut = Math.max(0, steps.length - 2 * this.config.recent);
    this.previous = departures.at(-1) ?? null;
    this.recent = new RingBuffer(2 * this.config.recent, steps.slice(cut));
    this.reference = new RollingQuantiles(this.config.reference, steps.slice(0, cut));
  }

  exportState(): SpreadShiftState {
    return {
      ...this.season.exportState(),
      previous: this.previous,
      recent: packSingles(this.recent.toArray()),
      reference: packSingles(this.reference.toArray()),
      period: this.period,
    };
  }

  importState(state: SpreadShiftState): void {
    this.season.importState(state.season);
    this.previous = state.previous;
    this.recent = new RingBuffer(2 * this.config.recent, unpackSingles(state.recent));
    this.reference = new RollingQuantiles(this.config.reference, unpackSingles(state.reference));
    this.period = state.period;
  }
}
