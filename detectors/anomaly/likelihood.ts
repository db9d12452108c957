/**
 * NAB's anomaly likelihood (Numenta's post-processing): turns a raw score stream into "how
 * unusual is the recent average raw score", the Gaussian tail probability of a short moving
 * average against the long-run distribution of that average. Reported on NAB's log scale so
 * the rare 1 − 10⁻⁵ events spread over [0.5, 1].
 *
 * The fit needs only the mean and variance of the window, so the window is kept as the moments
 * of blocks of `reestimationPeriod` averages, not the averages themselves: the detection
 * schedule persists this state per series on every pass (a few KB, not 170 KB), and the fit
 * covers the same span give or take one block.
 */
import { tailScore } from './calibration';
import { RingBuffer } from './rolling';
import { studentTail } from './student-t';
import type { StreamingDetector } from './types';

export interface LikelihoodConfig {
  /** Raw scores left out of the distribution (the scored detector is still learning). */
  readonly learningPeriod: number;
  /** Further points before the first estimate; the output is 0.5 (neutral) until then. */
  readonly estimationSamples: number;
  /** Moving averages the distribution is estimated from. */
  readonly historicWindow: number;
  /** Raw scores per moving average. */
  readonly averagingWindow: number;
  /** Points between distribution re-estimates. */
  readonly reestimationPeriod: number;
  /** Floors that keep a near-silent history from making any blip "certain". */
  readonly minMean: number;
  readonly minVariance: number;
}

/** Count, mean and sum of squared deviations of a run of averages (Welford / Chan et al.). */
export type Moments = [count: number, mean: number, m2: number];

export type LikelihoodState = {
  recentRaw: number[];
  /** Closed blocks since learning ended, oldest first, at most the historic window's worth. */
  blocks: Moments[];
  /** The block being filled. */
  open: Moments;
  iteration: number;
  mean: number;
  stdev: number;
  /** Averages the fit was estimated from (absent in states stored before it was kept). */
  fitted?: number;
};

const EMPTY: Moments = [0, 0, 0];

const copyMoments = ([n, mean, m2]: Moments): Moments => [n, mean, m2];

/** Moments of two runs together (Chan, Golub and LeVeque's pairwise update). */
function mergeMoments(a: Moments, b: Moments): Moments {
  const n = a[0] + b[0];
  if (n === 0) return EMPTY;
  const delta = b[1] - a[1];
  return [n, a[1] + (delta * b[0]) / n, a[2] + b[2] + (delta * delta * a[0] * b[0]) / n];
}

export class AnomalyLikelihood implements StreamingDetector<number, LikelihoodState> {
  private recentRaw: RingBuffer;
  private blocks: Moments[] = [];
  private open: Moments = EMPTY;
  private iteration = 0;
  private mean = 0;
  private stdev = 1;
  /** Averages the fit was estimated from. */
  private fitted = 0;

  constructor(private readonly config: LikelihoodConfig) {
    this.recentRaw = new RingBuffer(config.averagingWindow);
  }

  /** Closed blocks the historic window holds. */
  private get maxBlocks(): number {
    return Math.max(1, Math.floor(this.config.historicWindow / this.config.reestimationPeriod));
  }

  /** The distribution is estimated: the next score is a judgement, not the neutral 0.5. */
  get learned(): boolean {
    return this.iteration >= this.config.learningPeriod + this.config.estimationSamples;
  }

  /** Log-scaled likelihood in [0, 1] of raw score `raw` (in [0, 1], or NaN: no reading). */
  score(raw: number): number {
    const c = this.config;
    // No reading (the member is not ready to read the series): neutral, and nothing learned, so
    // the fit holds only readings the member stands behind.
    if (Number.isNaN(raw)) return logLikelihood(0.5);
    this.recentRaw.push(raw);
    const average = this.recentRaw.sum() / this.recentRaw.length;

    let likelihood = 0.5;
    if (this.iteration >= c.learningPeriod + c.estimationSamples) {
      if ((this.iteration - c.learningPeriod - c.estimationSamples) % c.reestimationPeriod === 0) {
        this.estimate();
      }
      likelihood = 1 - predictiveTail(average, this.mean, this.stdev, this.fitted);
    }
    if (this.iteration >= c.learningPeriod) this.record(average);
    this.iteration++;
    return logLikelihood(likelihood);
  }

  private record(average: number): void {
    this.open = mergeMoments(this.open, [1, average, 0]);
    if (this.open[0] < this.config.reestimationPeriod) return;
    this.blocks.push(this.open);
    this.open = EMPTY;
    if (this.blocks.length > this.maxBlocks) this.blocks.shift();
  }

  /** Normal fit to the averages seen since learning ended (within the historic window). */
  private estimate(): void {
    const [n, mean, m2] = this.blocks.reduce(mergeMoments, this.open);
    this.fitted = n;
    this.mean = Math.max(mean, this.config.minMean);
    this.stdev = Math.sqrt(Math.max(n > 0 ? m2 / n : 0, this.config.minVariance));
  }

  exportState(): LikelihoodState {
    return {
      recentRaw: this.recentRaw.toArray(),
      blocks: this.blocks.map(copyMoments),
      open: copyMoments(this.open),
      iteration: this.iteration,
      mean: this.mean,
      stdev: this.stdev,
      fitted: this.fitted,
    };
  }

  importState(state: LikelihoodState): void {
    this.recentRaw = new RingBuffer(this.config.averagingWindow, state.recentRaw);
    this.blocks = state.blocks.map(copyMoments).slice(-this.maxBlocks);
    this.open = copyMoments(state.open);
    this.iteration = state.iteration;
    this.mean = state.mean;
    this.stdev = state.stdev;
    this.fitted = state.fitted ?? this.blocks.reduce((n, b) => n + b[0], this.open[0]);
  }
}

/**
 * Tail probability beyond `x` of the next average under a Gaussian fitted to `n` of them: the
 * predictive Student's t (./student-t), not the fitted Gaussian itself, which is overconfident
 * while the fit is young (150 averages: 10⁻⁹ where the Gaussian says 10⁻¹⁰·⁹). Mirrored below
 * the mean, as NAB does.
 */
export function predictiveTail(x: number, mean: number, stdev: number, n: number): number {
  if (n < 2) return tailProbability(x, mean, stdev);
  const t = Math.abs(x - mean) / (stdev * Math.sqrt(1 + 1 / n));
  return studentTail(t, n - 1);
}

/** Gaussian tail probability beyond `x`; values below the mean are mirrored, as NAB does. */
export function tailProbability(x: number, mean: number, stdev: number): number {
  const z = Math.abs(x - mean) / stdev;
  return 0.5 * erfc(z / Math.SQRT2);
}

/** NAB's log scale, the engine's score scale: likelihood 0.5 → 0.03, 1 − 10⁻⁵ → 0.5, 1 − 10⁻¹⁰ → 1. */
export function logLikelihood(likelihood: number): number {
  return tailScore(Math.log10(1.0000000001 - likelihood));
}

/** Numerical Recipes' Chebyshev fit for erfc, fractional error < 1.2e-7 everywhere. */
const ERFC_COEFFICIENTS = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277,
];

/** Complementary error function; relative precision matters here, down to 1e-10 tails. */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  let poly = 0;
  for (let i = ERFC_COEFFICIENTS.length - 1; i >= 0; i--) {
    poly = (ERFC_COEFFICIENTS[i] as number) + t * poly;
  }
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}
