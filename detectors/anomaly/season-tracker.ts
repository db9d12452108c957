/**
 * Keeps a series' recent history and re-detects its period now and then, for the members that
 * model seasonality (robust baseline, Holt-Winters).
 */
import { packSingles, toSingle, unpackSingles } from './packing';
import { RingBuffer } from './rolling';
import { detectPeriod, type PeriodSearch } from './seasonality';

export interface SeasonTrackerConfig extends PeriodSearch {
  /** Points of history kept for period search and seasonal look-ups. */
  readonly historySize: number;
  /** Points between period re-estimates. */
  readonly reestimateEvery: number;
  /** Points needed before the first estimate. */
  readonly minHistory: number;
}

export type SeasonTrackerState = {
  /** The history, packed (./packing). */
  history: string;
  period: number | null;
  sinceEstimate: number;
};

/** Recent history plus the period currently detected in it (null: not seasonal). */
export class SeasonTracker {
  private history: RingBuffer;
  private currentPeriod: number | null = null;
  private sinceEstimate = 0;

  constructor(private readonly config: SeasonTrackerConfig) {
    this.history = new RingBuffer(config.historySize);
  }

  get period(): number | null {
    return this.currentPeriod;
  }

  /** The value `ago` points before the newest one (0 = newest). */
  back(ago: number): number | undefined {
    return this.history.back(ago);
  }

  get length(): number {
    return this.history.length;
  }

  /** Records `x`; returns true when the period was re-estimated (it may be unchanged). */
  push(x: number): boolean {
    this.history.push(toSingle(x));
    this.sinceEstimate++;
    const due =
      this.history.length >= this.config.minHistory &&
      this.sinceEstimate >= this.config.reestimateEvery;
    if (!due) return false;
    this.sinceEstimate = 0;
    this.currentPeriod = detectPeriod(this.history.toArray(), this.config);
    return true;
  }

  exportState(): SeasonTrackerState {
    return {
      history: packSingles(this.history.toArray()),
      period: this.currentPeriod,
      sinceEstimate: this.sinceEstimate,
    };
  }

  importState(state: SeasonTrackerState): void {
    this.history = new RingBuffer(this.config.historySize, unpackSingles(state.history));
    this.currentPeriod = state.period;
    this.sinceEstimate = state.sinceEstimate;
  }
}

/** A member that owns its tracker stores it; its state must carry one. */
export function ownSeason(state: SeasonTrackerState | undefined): SeasonTrackerState {
  if (state === undefined) throw new Error('detector state has no season tracker');
  return state;
}
