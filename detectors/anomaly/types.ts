/** Plain JSON, the only shape detector state is exported as. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A streaming scorer: `score` sees each point once, in order, and may use only that point and
 * earlier ones (no look-ahead). Its full state round-trips through JSON, so a worker can persist
 * it between batches and resume with identical scores.
 */
export interface StreamingDetector<In = number, State extends Json = Json> {
  /**
   * Anomaly score of the next point, in [0, 1]; NaN when the detector has no reading to give yet
   * (an ensemble member whose model is not settled: its likelihood learns nothing from it).
   */
  score(point: In): number;
  exportState(): State;
  importState(state: State): void;
}
