/**
 * The engine's one anomaly-score scale. A score s says: behaviour this extreme has probability
 * 10^(−10·s) under the series' recent distribution (NAB's log scale for HTM's anomaly
 * likelihood: 10⁻⁵ → 0.5, 10⁻¹⁰ → 1). The ensemble's likelihoods and the detection schedule's
 * scorers report on it, whatever the series measures (latency, an error ratio, throughput, a log
 * count), so one threshold is one false-alarm rate. (The ensemble's range breakout states a fixed
 * 10⁻⁶ at the edge of the range seen rather than a probability learned from the series.)
 */

/** Decades of tail probability the scale spans from 0 to 1. */
export const SCORE_DECADES = 10;

/** The score of a tail probability given as log10 p (≤ 0), on [0, 1]. */
export function tailScore(log10P: number): number {
  return Math.min(1, Math.max(0, -log10P / SCORE_DECADES));
}

/**
 * The score of the rarest of `looks` tail probabilities, each on this scale, as one tail
 * probability: the chance that any of `looks` independent readings of the same point is that
 * rare is at most `looks` times as large (Bonferroni), so taking the largest of several
 * calibrated scores does not raise the false-alarm rate a threshold stands for.
 */
export function rarestOf(score: number, looks: number): number {
  return Math.max(0, score - Math.log10(Math.max(1, looks)) / SCORE_DECADES);
}

/**
 * log10 of the probability of a deviation of at least `z` standard deviations (either way)
 * under a Laplace law. Operational series (latency, counts) have exponential rather than
 * Gaussian tails; the Laplace law, the maximum-entropy law for a given mean absolute deviation,
 * is the conservative reading of a robust z.
 */
export function laplaceTailLog10(z: number): number {
  return (-Math.SQRT2 * Math.max(0, z)) / Math.LN10;
}

/**
 * The engine's default alert threshold: p < 10^−5.7. It keeps the detection schedule's operating
 * point from before this scale (robust z ≈ 9.3, binomial p ≈ 10^−5.7) and sits just below the
 * thresholds NAB's optimiser picks for the streaming ensemble (≈ 0.65–0.70).
 */
export const DEFAULT_ANOMALY_THRESHOLD = 0.57;
