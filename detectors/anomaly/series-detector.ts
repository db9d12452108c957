/**
 * The detection schedule's scorer for one series: the ensemble `aiops detect score` and bench:nab
 * run, from the same factory and configuration (`createDetector`), told what the series
 * measures. Its evidence member is the directional scorer (../series-scorer.ts: the direction
 * that hurts, the calls and slow requests behind a point; on a metric, the one voice while the
 * other members are young); the schedule reads the ensemble's rarity, before the alert damper
 * (one alert per excursion is NAB's charge for repeats; the pass's incidents already group the
 * anomalies of one fault). Wired in after the detection replay: docs/benchmarks.md, NAB round 9.
 */
import type { PointContext, ScoredPoint, SeriesScorerState, SeriesSignal } from '../series-scorer';
import { createDetector } from './config';
import type { EnsembleConfig, EnsembleDetector, EnsembleState } from './ensemble';

/** What the pass stores per series: the ensemble's state, or a directional scorer's from before. */
export type StoredSeriesState = EnsembleState | SeriesScorerState;

export class SeriesDetector {
  private readonly ensemble: EnsembleDetector;

  constructor(signal: SeriesSignal) {
    this.ensemble = createDetector(undefined, signal);
  }

  /** The ensemble's configuration: the one bench:nab measures. */
  get config(): EnsembleConfig {
    return this.ensemble.config;
  }

  get lastBucket(): number | undefined {
    return this.ensemble.lastBucket;
  }

  score(value: number, context: PointContext = {}): ScoredPoint {
    const { rarity, baseline, ceiling } = this.ensemble.judge(value, context);
    return { score: rarity, baseline, ...(ceiling && { ceiling }) };
  }

  exportState(): EnsembleState {
    return this.ensemble.exportState();
  }

  /** A directional scorer's state from before keeps its evidence; the rest starts fresh. */
  importState(state: StoredSeriesState): void {
    if ('members' in state) this.ensemble.importState(state);
    else this.ensemble.importEvidence(state);
  }
}
