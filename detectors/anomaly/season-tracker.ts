/**
 * Keeps a series' recent history and re-detects its period now and then, for the members that
 * model seasonality (robust baseline, Holt-Winters, level shift). The first cycle found stands;
 * after that a search must find it again (the same cycle or a harmonic of it) for it to stand,
 * and a search that finds an unrelated one means no cycle stands out: the members read the
 * series without one until two searches agree. On a noisy
 * series the autocorrelation's highest peak moves between unrelated lags from one search to the
 * next (NAB: 54, then 168 points), and each move re-seeded the members on a cycle that was
 * not there (docs/benchmarks.md, NAB round 11).
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
  /** A period search has run (absent in states stored before it was kept). */
  searched?: boolean;
  /** What the last search found, standing or not (absent in states stored before it was kept). */
  found?: number | null;
};

/** Recent history plus the period currently detected in it (null: not seasonal). */
export class SeasonTracker {
  private history: RingBuffer;
  private currentPeriod: number | null = null;
  private sinceEstimate = 0;
  private hasSearched = false;
  /** What the last search found. */
  private lastFound: number | null = null;

  constructor(private readonly config: SeasonTrackerConfig) {
    this.history = new RingBuffer(config.historySize);
  }

  get period(): number | null {
    return this.currentPeriod;
  }

  /** A period search has run: `period` null now means no season, not "not looked yet". */
  get searched(): boolean {
    return this.hasSearched;
  }

  /** The value `ago` points before the newest one (0 = newest). */
  back(ago: number): number | undefined {
    return this.history.back(ago);
  }

  get length(): number {
    return this.history.length;
  }

  /** The history is long enough for a period search (the first one runs at the next re-estimate). */
  get grown(): boolean {
    return this.history.length >= this.config.minHistory;
  }

  /** Records `x`; returns true when the period was re-estimated (it may be unchanged). */
  push(x: number): boolean {
    this.history.push(toSingle(x));
    this.sinceEstimate++;
    const due = this.grown && this.sinceEstimate >= this.config.reestimateEvery;
    if (!due) return false;
    this.sinceEstimate = 0;
    const found = detectPeriod(this.history.toArray(), this.config);
    this.currentPeriod = !this.hasSearched || commensurate(found, this.lastFound) ? found : null;
    this.lastFound = found;
    this.hasSearched = true;
    return true;
  }

  exportState(): SeasonTrackerState {
    return {
      history: packSingles(this.history.toArray()),
      period: this.currentPeriod,
      sinceEstimate: this.sinceEstimate,
      searched: this.hasSearched,
      found: this.lastFound,
    };
  }

  importState(state: SeasonTrackerState): void {
    this.history = new RingBuffer(this.config.historySize, unpackSingles(state.history));
    this.currentPeriod = state.period;
    this.sinceEstimate = state.sinceEstimate;
    // A state stored before `searched` was kept: the first search runs once the history is long
    // enough (minHistory ≥ reestimateEvery in the shipped configuration).
    this.hasSearched = state.searched ?? this.grown;
    this.lastFound = state.found === undefined ? state.period : state.found;
  }
}

/**
 * How far two estimates of one cycle may miss each other, as a share of the cycle: the period
 * search places a peak within 5% of it (seasonality.ts, REFINE_REACH), and noise moves an
 * estimate by that much (a 288-point day found as 288, then 294).
 */
const CYCLE_PRECISION = 0.05;

/**
 * Two periods describe the same cycle: the autocorrelation peaks at every multiple of a cycle,
 * and two searches may pick different multiples of it (NAB: 864 and 576 points of a 288-point
 * day; 480 and 288 of a 96-point one), so q of the longer span, q ≤ 3, are a whole number of the
 * shorter, within a lag or 5% of the shorter. Unrelated lags rarely are (54 and 168: 28:9).
 */
function commensurate(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return false;
  const long = Math.max(a, b);
  const short = Math.min(a, b);
  const tolerance = Math.max(1, CYCLE_PRECISION * short);
  for (const q of [1, 2, 3]) {
    if (Math.abs(q * long - Math.round((q * long) / short) * short) <= tolerance) return true;
  }
  return false;
}

/** A detector that owns its tracker stores it; its state must carry one. */
export function ownSeason(state: SeasonTrackerState | undefined): SeasonTrackerState {
  if (state === undefined) throw new Error('detector state has no season tracker');
  return state;
}

/**
 * A seasonal member's hold on its season tracker: its own, which it feeds and stores, or one the
 * ensemble shares among its members and feeds and stores itself.
 */
export class MemberSeason {
  readonly tracker: SeasonTracker;
  /** False when the ensemble shares the tracker among its members. */
  readonly owned: boolean;

  constructor(config: SeasonTrackerConfig, shared?: SeasonTracker) {
    this.tracker = shared ?? new SeasonTracker(config);
    this.owned = shared === undefined;
  }

  /** Records `x` in a tracker of its own; true when that re-estimated the period. */
  record(x: number): boolean {
    return this.owned && this.tracker.push(x);
  }

  /** The tracker's state for the member's own state: absent when shared (its owner stores it). */
  exportState(): { season?: SeasonTrackerState } {
    return this.owned ? { season: this.tracker.exportState() } : {};
  }

  importState(state: SeasonTrackerState | undefined): void {
    if (this.owned) this.tracker.importState(ownSeason(state));
  }
}

/**
 * What the season predicts for a point: the median of the same phase in the `cycles` cycles
 * before it, or undefined for a series without one. `ago` places the point in the history
 * (0 = newest); the default, −1, is the next point, not yet fed to the tracker.
 */
export function samePhaseMedian(
  season: SeasonTracker,
  cycles: number,
  ago = -1,
): number | undefined {
  const period = season.period;
  if (period === null) return undefined;
  const samePhase: number[] = [];
  for (let k = 1; k <= cycles; k++) {
    const v = season.back(ago + k * period);
    if (v !== undefined) samePhase.push(v);
  }
  if (samePhase.length === 0) return undefined;
  samePhase.sort((a, b) => a - b);
  const mid = samePhase.length >> 1;
  return samePhase.length % 2 === 1
    ? (samePhase[mid] as number)
    : ((samePhase[mid - 1] as number) + (samePhase[mid] as number)) / 2;
}

/**
 * The newest `span` points of the history as residuals against the period the tracker now
 * holds (each less the same phase of the cycles before it), oldest first, so a member that
 * reads residuals can read its history again when the period changes. Without a period each
 * point is read against `withoutCycle(ago)`; a point with nothing to predict it is left out.
 */
export function residualsOfHistory(
  season: SeasonTracker,
  cycles: number,
  span: number,
  withoutCycle: (ago: number) => number | undefined,
): number[] {
  const residuals: number[] = [];
  for (let ago = Math.min(season.length, span) - 1; ago >= 0; ago--) {
    const predicted =
      season.period === null ? withoutCycle(ago) : samePhaseMedian(season, cycles, ago);
    if (predicted !== undefined) residuals.push(toSingle((season.back(ago) as number) - predicted));
  }
  return residuals;
}
