/**
 * A scorer for one series of the detection pass, built from the same ensemble and the same
 * configuration as `aiops detect score` and bench:nab (`createDetector`). Not yet the pass's
 * scorer: with it the simulator's detection replay found 16 of 20 faults instead of 19
 * (docs/benchmarks.md, NAB round 4). The ensemble judges how
 * rare the value is for this series. A metric (a gauge, a PromQL expression: no direction that
 * hurts, no counts behind it) is scored by the ensemble alone: its rarity, what bench:nab scores
 * before the alert damper (one alert per excursion is NAB's charge for repeats; the pass's
 * incidents already group the anomalies of one fault).
 * Latency, error ratios and log counts also carry evidence the ensemble cannot see (the
 * direction that hurts, the calls and slow requests behind a point: ../series-scorer.ts). There
 * both must hold, an intersection-union test: the score is the smaller of the two, i.e. the
 * larger of their tail probabilities, so the threshold keeps its false-alarm rate. While the
 * ensemble's likelihoods are still learning it has no opinion yet and the evidence speaks alone.
 */
import type { SeriesScorerState, ScoredPoint, SeriesSignal, SlowerThan } from '../series-scorer';
import { CalibratedSeriesScorer } from './calibrated-series';
import { createDetector } from './config';
import type { EnsembleConfig, EnsembleDetector, EnsembleState } from './ensemble';

export interface SeriesDetectorState {
  /** The directional scorer's state (the bucket watermark, baseline and evidence). */
  evidence: SeriesScorerState;
  ensemble: EnsembleState;
}

/** What the pass stores per series: this scorer's state, or a directional scorer's from before. */
export type StoredSeriesState = SeriesDetectorState | SeriesScorerState;

export class SeriesDetector {
  private readonly evidence: CalibratedSeriesScorer;
  private readonly ensemble: EnsembleDetector;

  constructor(private readonly signal: SeriesSignal) {
    this.evidence = new CalibratedSeriesScorer(signal);
    this.ensemble = createDetector();
  }

  /** The ensemble's configuration: the one bench:nab measures. */
  get config(): EnsembleConfig {
    return this.ensemble.config;
  }

  get lastBucket(): number | undefined {
    return this.evidence.lastBucket;
  }

  score(value: number, support?: number, bucket?: number, slowerThan?: SlowerThan): ScoredPoint {
    const evidence = this.evidence.score(value, support, bucket, slowerThan);
    if (!Number.isFinite(value)) return evidence;
    const learned = this.ensemble.learned;
    const { rarity } = this.ensemble.judge(value);
    if (!learned) return evidence;
    if (this.signal === 'metric') return { ...evidence, score: rarity };
    return { ...evidence, score: Math.min(rarity, evidence.score) };
  }

  exportState(): SeriesDetectorState {
    return { evidence: this.evidence.exportState(), ensemble: this.ensemble.exportState() };
  }

  /** A directional scorer's state from before the ensemble ran keeps its evidence; the ensemble starts fresh. */
  importState(state: StoredSeriesState): void {
    if ('evidence' in state) {
      this.evidence.importState(state.evidence);
      this.ensemble.importState(state.ensemble);
    } else {
      this.evidence.importState(state);
    }
  }
}
