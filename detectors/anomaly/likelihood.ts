/**
 * NAB's anomaly likelihood (Numenta's post-processing): turns a raw score stream into "how
 * unusual is the recent average raw score", the Gaussian tail probability of a short moving
 * average against the long-run distribution of that average. Reported on NAB's log scale so
 * the rare 1 − 10⁻⁵ events spread over [0.5, 1].
 */
import { tailScore } from './calibration';
import { RingBuffer } from './rolling';
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

export type LikelihoodState = {
  recentRaw: number[];
  averages: number[];
  iteration: number;
  mean: number;
  stdev: number;
};

export class AnomalyLikelihood implements StreamingDetector<number, LikelihoodState> {
  private recentRaw: RingBuffer;
  private averages: RingBuffer;
  private iteration = 0;
  private mean = 0;
  private stdev = 1;

  constructor(private readonly config: LikelihoodConfig) {
    this.recentRaw = new RingBuffer(config.averagingWindow);
    this.averages = new RingBuffer(config.historicWindow);
  }

  /** Log-scaled likelihood in [0, 1] of raw score `raw` (in [0, 1]). */
  score(raw: number): number {
    const c = this.config;
    this.recentRaw.push(raw);
    const recent = this.recentRaw.toArray();
    const average = recent.reduce((a, b) => a + b, 0) / recent.length;

    let likelihood = 0.5;
    if (this.iteration >= c.learningPeriod + c.estimationSamples) {
      if ((this.iteration - c.learningPeriod - c.estimationSamples) % c.reestimationPeriod === 0) {
        this.estimate();
      }
      likelihood = 1 - tailProbability(average, this.mean, this.stdev);
    }
    this.averages.push(average);
    this.iteration++;
    return logLikelihood(likelihood);
  }

  /** Normal fit to the averages seen since learning ended (within the historic window). */
  private estimate(): void {
    const learned = this.iteration - this.config.learningPeriod;
    const all = this.averages.toArray();
    const sample = all.slice(Math.max(0, all.length - learned));
    const mean = sample.reduce((a, b) => a + b, 0) / sample.length;
    const variance = sample.reduce((a, b) => a + (b - mean) ** 2, 0) / sample.length;
    this.mean = Math.max(mean, this.config.minMean);
    this.stdev = Math.sqrt(Math.max(variance, this.config.minVariance));
  }

  exportState(): LikelihoodState {
    return {
      recentRaw: this.recentRaw.toArray(),
      averages: this.averages.toArray(),
      iteration: this.iteration,
      mean: this.mean,
      stdev: this.stdev,
    };
  }

  importState(state: LikelihoodState): void {
    this.recentRaw = new RingBuffer(this.config.averagingWindow, state.recentRaw);
    this.averages = new RingBuffer(this.config.historicWindow, state.averages);
    this.iteration = state.iteration;
    this.mean = state.mean;
    this.stdev = state.stdev;
  }
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
