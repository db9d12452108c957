/**
 * Corpus-level NAB v1.1 scoring: the optimiser (`nab/optimizer.py`: one sweep over every row of
 * every file, best threshold per detector and profile), the scorer (`nab/scorer.py`: per-file
 * sweeper score at that threshold, summed) and the normalisation (`nab/runner.py`:
 * 100 · (raw − null) / (perfect − null), perfect = number of windows · tpWeight).
 */
import type { DataFile, Profiles } from './corpus';
import { Sweeper, type AnomalyPoint, type CostMatrix } from './sweeper';

/** A detector's anomaly scores per data file (keyed by relativePath), one per row. */
export type DetectorScores = ReadonlyMap<string, readonly number[]>;

export interface ProfileScore {
  readonly threshold: number;
  readonly raw: number;
  readonly normalized: number;
}

function scoresFor(scores: DetectorScores, file: DataFile): readonly number[] {
  const s = scores.get(file.relativePath);
  if (s === undefined) throw new Error(`no anomaly scores for ${file.relativePath}`);
  return s;
}

/** The threshold maximising the corpus total (ties: the highest threshold, as NAB's sort). */
export function optimizeThreshold(
  corpus: readonly DataFile[],
  scores: DetectorScores,
  costMatrix: CostMatrix,
): { threshold: number; score: number } {
  const sweeper = new Sweeper(costMatrix);
  const all: AnomalyPoint[] = [];
  for (const file of corpus) {
    const points = sweeper.calcSweepScore(
      file.timestamps,
      scoresFor(scores, file),
      file.windows,
      file.relativePath,
    );
    for (const p of points) all.push(p);
  }
  let best = { threshold: 1.1, score: -Infinity };
  for (const row of sweeper.calcScoreByThreshold(all)) {
    if (row.score > best.score) best = { threshold: row.threshold, score: row.score };
  }
  return best;
}

/** Sum of every file's score at a fixed threshold. */
export function scoreCorpus(
  corpus: readonly DataFile[],
  scores: DetectorScores,
  costMatrix: CostMatrix,
  threshold: number,
): number {
  const sweeper = new Sweeper(costMatrix);
  let total = 0;
  for (const file of corpus) {
    total += sweeper.scoreDataSet(
      file.timestamps,
      scoresFor(scores, file),
      file.windows,
      file.relativePath,
      threshold,
    ).score;
  }
  return total;
}

/** Raw corpus score at the detector's own optimal threshold. */
export function rawScore(
  corpus: readonly DataFile[],
  scores: DetectorScores,
  costMatrix: CostMatrix,
): { threshold: number; raw: number } {
  const { threshold } = optimizeThreshold(corpus, scores, costMatrix);
  return { threshold, raw: scoreCorpus(corpus, scores, costMatrix, threshold) };
}

/**
 * NAB's final score per profile, normalised between the null detector (0) and a perfect one
 * (100). The null detector's raw scores are computed once, by this same scorer.
 */
export class NabScorer {
  private readonly baselines: Record<string, number> = {};
  private readonly windowCount: number;

  constructor(
    private readonly corpus: readonly DataFile[],
    private readonly profiles: Profiles,
    nullScores: DetectorScores,
  ) {
    this.windowCount = corpus.reduce((n, f) => n + f.windows.length, 0);
    for (const [profile, costMatrix] of Object.entries(profiles)) {
      this.baselines[profile] = rawScore(corpus, nullScores, costMatrix).raw;
    }
  }

  score(scores: DetectorScores): Record<string, ProfileScore> {
    const result: Record<string, ProfileScore> = {};
    for (const [profile, costMatrix] of Object.entries(this.profiles)) {
      const baseline = this.baselines[profile] as number;
      const perfect = this.windowCount * costMatrix.tpWeight;
      const { threshold, raw } = rawScore(this.corpus, scores, costMatrix);
      result[profile] = {
        threshold,
        raw,
        normalized: (100 * (raw - baseline)) / (perfect - baseline),
      };
    }
    return result;
  }
}
