/**
 * Scores live RED, metric and log-count series for the detection pass: robust z of each point
 * against the rolling median/MAD of recent healthy points, counted only in the direction that
 * hurts (slower, more errors, more error logs; metrics either way), with floors on the change
 * so a ratio moving from 0.001 to 0.002 is not an incident.
 */
export type SeriesSignal = 'latency' | 'errors' | 'logs' | 'metric';

export interface SeriesScorerState {
  recent: number[];
  /** Consecutive anomalous points not yet admitted to the baseline. */
  streak: number;
}

export interface ScoredPoint {
  score: number;
  baseline: number | undefined;
}

const window = 60; // 10 minutes of 10-second buckets
/** Three minutes of history before any point can be anomalous. */
const warmup = 18;
/** Robust z at which the score reaches 1 − 1/e. */
const zScale = 4;
/** After this many anomalous points in a row the new level is accepted as normal. */
const acceptShiftAfter = 30;

/** Failed calls a bucket needs before its error ratio can be anomalous (one is bad luck). */
const minFailedCalls = 2.5;

/** The smallest change in each signal's units that can ever matter. */
function changeFloor(signal: SeriesSignal, median: number, support: number | undefined): number {
  switch (signal) {
    case 'latency':
      return Math.max(2, 0.1 * median); // ms
    case 'errors':
      return Math.max(0.02, support ? minFailedCalls / support : 0); // error ratio
    case 'logs':
      return Math.max(2, 0.25 * median); // records per bucket
    case 'metric':
      return Math.max(1e-9, 0.05 * Math.abs(median));
  }
}

function median(sorted: number[]): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const mid = n >> 1;
  return n % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export class DirectionalSeriesScorer {
  private recent: number[] = [];
  private streak = 0;

  constructor(
    private readonly signal: SeriesSignal,
    /** Score from which a point counts as anomalous (and stays out of the baseline). */
    private readonly threshold: number,
  ) {}

  score(value: number, support?: number): ScoredPoint {
    if (!Number.isFinite(value)) return { score: 0, baseline: undefined };
    if (this.recent.length < warmup) {
      this.admit(value);
      return { score: 0, baseline: undefined };
    }
    const sorted = [...this.recent].sort((a, b) => a - b);
    const center = median(sorted);
    const mad = median(sorted.map((v) => Math.abs(v - center)).sort((a, b) => a - b));
    const floor = changeFloor(this.signal, center, support);
    const deviation = this.signal === 'metric' ? Math.abs(value - center) : value - center;
    // A change below the floor is never anomalous, however quiet the series was before.
    const z = deviation < floor ? 0 : deviation / Math.max(1.4826 * mad, floor / 3);
    const score = 1 - Math.exp(-z / zScale);
    if (score >= this.threshold && this.streak < acceptShiftAfter) {
      this.streak++;
    } else {
      this.streak = 0;
      this.admit(value);
    }
    return { score, baseline: center };
  }

  private admit(value: number) {
    this.recent.push(value);
    if (this.recent.length > window) this.recent.shift();
  }

  exportState(): SeriesScorerState {
    return { recent: [...this.recent], streak: this.streak };
  }

  importState(state: SeriesScorerState) {
    this.recent = [...state.recent];
    this.streak = state.streak;
  }
}
