/**
 * Alert damping, the last stage of the ensemble. NAB (and an on-call engineer) rewards the
 * first alert of an incident and charges for every repeat, so: (1) after a strong score, stay
 * quiet for a rest period unless a clearly stronger score breaks through; (2) a score not above
 * every score of the last few points is a continuation of the same excursion, not a new alert.
 * Both are threshold-free, so whatever threshold an operator picks sees one alert per excursion.
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
}

export type AlertDamperState = { recent: number[]; sinceStrong: number | null; restPeak: number };

export class AlertDamper implements StreamingDetector<number, AlertDamperState> {
  private recent: RingBuffer;
  private sinceStrong: number | null = null;
  /** Strongest score since the rest period began: only a stronger one breaks the silence. */
  private restPeak = 0;

  constructor(private readonly config: AlertDamperConfig) {
    this.recent = new RingBuffer(config.recordWindow);
  }

  score(raw: number): number {
    const resting = this.sinceStrong !== null && this.sinceStrong < this.config.restPoints;
    const silenced = resting && raw <= this.restPeak + this.config.breakthroughMargin;
    const continuation = this.recent.some((previous) => previous >= raw);
    this.recent.push(raw);
    if (this.sinceStrong !== null) this.sinceStrong++;
    if (raw >= this.config.restLevel) {
      this.restPeak = resting ? Math.max(this.restPeak, raw) : raw;
      this.sinceStrong = 0;
    }
    return silenced || continuation ? 0 : raw;
  }

  exportState(): AlertDamperState {
    return {
      recent: this.recent.toArray(),
      sinceStrong: this.sinceStrong,
      restPeak: this.restPeak,
    };
  }

  importState(state: AlertDamperState): void {
    this.recent = new RingBuffer(this.config.recordWindow, state.recent);
    this.sinceStrong = state.sinceStrong;
    this.restPeak = state.restPeak;
  }
}
