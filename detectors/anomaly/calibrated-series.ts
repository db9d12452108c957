/**
 * The detection schedule's series scorer on the engine's one score scale (./calibration): the
 * directional scorer's evidence, a robust z for latency, metrics and log counts and a binomial
 * tail for error ratios, is reported as the tail probability it stands for, so
 * AIOPS_DETECTION_THRESHOLD is one false-alarm rate on every kind of series and the same scale
 * as `aiops detect score`. The scorer's own behaviour (baseline, warm-up, state) is unchanged.
 */
import {
  DirectionalSeriesScorer,
  log10PScale,
  suspiciousScore,
  zScale,
  type PointContext,
  type ScoredPoint,
  type SeriesScorerState,
  type SeriesSignal,
} from '../series-scorer';
import { laplaceTailLog10, tailScore } from './calibration';

export class CalibratedSeriesScorer {
  private readonly scorer: DirectionalSeriesScorer;
  /** The counts made the last point suspicious: the scorer kept it out of its baseline. */
  suspicious = false;

  constructor(private readonly signal: SeriesSignal) {
    this.scorer = new DirectionalSeriesScorer(signal);
  }

  get lastBucket(): number | undefined {
    return this.scorer.lastBucket;
  }

  score(value: number, context: PointContext = {}): ScoredPoint {
    const scored = this.scorer.score(value, context);
    this.suspicious = scored.score >= suspiciousScore;
    if (scored.score <= 0) return { ...scored, score: 0 };
    // The raw score is 1 − e^(−z/zScale) for a robust z, 1 − e^(log10 p / log10PScale) for
    // an error ratio's binomial tail: undo the squashing, then read both as probabilities.
    const squashed = -Math.log(1 - scored.score);
    const log10P =
      this.signal === 'errors' && context.support !== undefined
        ? -squashed * log10PScale
        : laplaceTailLog10(squashed * zScale);
    return { ...scored, score: tailScore(log10P) };
  }

  exportState(): SeriesScorerState {
    return this.scorer.exportState();
  }

  importState(state: SeriesScorerState): void {
    this.scorer.importState(state);
  }
}
