/**
 * Alert damping, the last stage of the ensemble. NAB (and an on-call engineer) rewards the
 * first alert of an incident and charges for every repeat, so: (1) after a strong score, stay
 * quiet for a rest period unless a clearly stronger score breaks through; (2) a score not above
 * every score of the last few points is a continuation of the same excursion, not a new alert.
 * Both are threshold-free, so whatever threshold an operator picks sees one alert per excursion.
 * (3) An excursion that starts one gap after the last one, which itself came that gap after an
 * earlier one, is the series' own recurring event, a daily batch or a cron job: routine, not news.
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
 * before, so these span days on a minute series; on NAB 4, 12 and 48 give the same scores.
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

  /**
   * This point comes a gap after the last excursion's start, and an earlier start lies that same
   * gap before it: the series' latest rhythm goes on. Only gaps ending at the last start count:
   * pairing every two remembered starts finds chance schedules weeks long in busy series.
   */
  private onSchedule(): boolean {
    const last = this.starts[this.starts.length - 1];
    if (last === undefined) return false;
    const gap = this.seen - last;
    const tolerance = this.config.scheduleTolerance * gap;
    return this.starts.some(
      (earlier) => earlier < last && Math.abs(last - gap - earlier) <= tolerance,
    );
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
