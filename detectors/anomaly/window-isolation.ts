/**
 * Isolation forest over a univariate series: each point becomes a small vector describing its
 * neighbourhood rather than its level (deviation from the recent mean, step, short-term spread,
 * short-vs-longer mean), so the forest flags odd local shapes, e.g. a burst of volatility or a
 * sudden drift, at any level.
 */
import {
  StreamingIsolationForest,
  type IsolationForestConfig,
  type IsolationForestState,
} from './isolation-forest';
import { RingBuffer } from './rolling';
import type { StreamingDetector } from './types';

export interface WindowIsolationConfig {
  readonly forest: IsolationForestConfig;
  /** Short window: spread and short mean. */
  readonly shortWindow: number;
  /** Longer window (the buffer size): the reference mean. */
  readonly longWindow: number;
}

export type WindowIsolationState = { recent: number[]; forest: IsolationForestState };

export class WindowIsolationDetector implements StreamingDetector<number, WindowIsolationState> {
  private recent: RingBuffer;
  private forest: StreamingIsolationForest;

  constructor(private readonly config: WindowIsolationConfig) {
    this.recent = new RingBuffer(config.longWindow);
    this.forest = new StreamingIsolationForest(config.forest);
  }

  score(x: number): number {
    const previous = this.recent.back(0) ?? x;
    this.recent.push(x);
    const long = this.recent.toArray();
    const short = long.slice(-this.config.shortWindow);
    const longMean = mean(long);
    const shortMean = mean(short);
    const spread = Math.sqrt(mean(short.map((v) => (v - shortMean) ** 2)));
    return this.forest.score([x - longMean, x - previous, spread, shortMean - longMean]);
  }

  exportState(): WindowIsolationState {
    return { recent: this.recent.toArray(), forest: this.forest.exportState() };
  }

  importState(state: WindowIsolationState): void {
    this.recent = new RingBuffer(this.config.longWindow, state.recent);
    this.forest = new StreamingIsolationForest(this.config.forest);
    this.forest.importState(state.forest);
  }
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
