/**
 * Alert damping, the last stage of the ensemble. NAB (and an on-call engineer) rewards the
 * first alert of an incident and charges for every repeat, so: (1) after a strong score, stay
 * quiet for a rest period unless a clearly stronger score breaks through; (2) a score not above
 * every score of the last few points is a continuation of the same excursion, not a new alert.
 * Both are threshold-free, so whatever threshold an operator picks sees one alert per excursion.
 * (3) An excursion that starts on the schedule of two earlier ones (equal gaps) is the series'
 * own recurring event, a daily batch or a cron job: routine, not news.
 */
import { RingBuffer } from './rolling';
import type { StreamingDetector } from './types';

export interface AlertDamperConfig {
  /** Scores at or above this start (or extend) a rest period. */
  readonly restLevel: number;
  /** Points after the last strong score during which everything is silenced. */
  readonly restPoints: number;
  /** Recent scores a new alert must exceed. */
  readonly recordWindow: number;
  /**
   * How far a score must exceed the strongest one of the current rest period to break through
   * it: a minor alert should not mask a much stronger one, but NAB charges every repeat.
   */
  readonly breakthroughMargin: number;
  /**
   * How far, as a share of the gap, an excursion may start off the schedule of two earlier
   * excursion starts and still keep it (a recurring job's start wanders by a few points).
   * Negative: no excursion is routine.
   */
  readonly scheduleTolerance: number;
}

export type AlertDamperState = {
  recent: number[];
  sinceStrong: number | null;
  restPeak: number;
  /** Points scored (absent in states stored before the schedule was kept). */
  seen?: number;
  /** Where the last excursions started, as `seen` counted then, oldest first. */
  starts?: number[];
};

/**
 * Excursion starts remembered for the schedule. A start is at least a rest period after the one
 * before, so these span days on a minute series; on NAB 12 and every start give the same scores.
 */
const REMEMBERED_STARTS = 12;

export class AlertDamper implements StreamingDetector<number, AlertDamperState> {
  private recent: RingBuffer;
  private sinceStrong: number | null = null;
  /** Strongest score since the rest period began: only a stronger one breaks the silence. */
  private restPeak = 0;
  private seen = 0;
  private starts: number[] = [];

  constructor(private readonly config: AlertDamperConfig) {
    this.recent = new RingBuffer(config.recordWindow);
  }

  score(raw: number): number {
    const resting = this.sinceStrong !== null && this.sinceStrong < this.config.restPoints;
    const silenced = resting && raw <= this.restPeak + this.config.breakthroughMargin;
    const continuation = this.recent.some((previous) => previous >= raw);
    this.recent.push(raw);
    if (this.sinceStrong !== null) this.sinceStrong++;
    let routine = false;
    if (raw >= this.config.restLevel) {
      routine = this.onSchedule();
      // Only an excursion's first strong point marks it: the points of one long excursion are
      // no schedule, and counting them finds chance ones in busy series.
      if (!resting) this.rememberStart();
      this.restPeak = resting ? Math.max(this.restPeak, raw) : raw;
      this.sinceStrong = 0;
    }
    this.seen++;
    return silenced || continuation || routine ? 0 : raw;
  }

  /** Two earlier starts and this point are equally spaced, within the tolerance. */
  private onSchedule(): boolean {
    return this.starts.some((previous) => {
      const gap = this.seen - previous;
      const before = this.seen - 2 * gap;
      const tolerance = this.config.scheduleTolerance * gap;
      return this.starts.some((earlier) => Math.abs(earlier - before) <= tolerance);
    });
  }

  private rememberStart(): void {
    this.starts.push(this.seen);
    if (this.starts.length > REMEMBERED_STARTS) this.starts.shift();
  }

  exportState(): AlertDamperState {
    return {
      recent: this.recent.toArray(),
      sinceStrong: this.sinceStrong,
      restPeak: this.restPeak,
      seen: this.seen,
      starts: [...this.starts],
    };
  }

  importState(state: AlertDamperState): void {
    this.recent = new RingBuffer(this.config.recordWindow, state.recent);
    this.sinceStrong = state.sinceStrong;
    this.restPeak = state.restPeak;
    this.seen = state.seen ?? 0;
    this.starts = [...(state.starts ?? [])];
  }
}
