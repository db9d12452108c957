/**
 * Leave-one-category-out NAB scoring: for each category, every setting (the candidate
 * configuration and the alert threshold) is chosen on the other categories (the candidate by
 * its held-out score among them, the threshold with NAB's own optimiser), the left-out
 * category is scored at those settings, and the per-category raw scores are pooled into one
 * corpus score normalised exactly as NAB normalises (null = 0, perfect = 100). In-sample scores
 * (settings chosen the same way on the whole corpus) are computed beside it.
 */
import type { DataFile, Profiles } from './corpus';
import { optimizeThreshold, scoreCorpus, type DetectorScores } from './scorer';
import type { CostMatrix } from './sweeper';

/** One configuration the settings are chosen among, with its scores on every data file. */
export interface Candidate {
  readonly name: string;
  readonly scores: DetectorScores;
}

/** A category's (or the corpus's) score under one profile. */
export interface PartScore {
  readonly raw: number;
  /** Raw score of the null detector on the same files. */
  readonly nullRaw: number;
  /** Raw score of a perfect detector (every window hit at its start, no false positive). */
  readonly perfect: number;
  /** 100 · (raw − null) / (perfect − null); null when the part has no window to find. */
  readonly normalized: number | null;
  readonly candidate: string;
  readonly threshold: number;
}

export interface CategoryResult {
  readonly category: string;
  readonly files: number;
  readonly windows: number;
  /** Settings chosen on the other categories. */
  readonly leftOut: Record<string, PartScore>;
  /** Settings chosen on the whole corpus. */
  readonly inSample: Record<string, PartScore>;
}

export interface LeaveOneOutResult {
  readonly categories: readonly CategoryResult[];
  readonly pooled: Record<string, PartScore>;
  readonly inSample: Record<string, PartScore>;
}

/** NAB's category: the data folder, e.g. `realKnownCause` of `realKnownCause/nyc_taxi.csv`. */
export function categoryOf(file: DataFile): string {
  return file.relativePath.split('/')[0] as string;
}

interface Choice {
  readonly candidate: Candidate;
  readonly threshold: number;
}

/** One category scored at the threshold NAB's optimiser picks on the other categories given. */
export interface HeldOutPart {
  readonly category: string;
  readonly threshold: number;
  readonly raw: number;
}

/**
 * How well a candidate does on categories it was not fitted on: each category of `files` scored
 * at the threshold NAB's optimiser picks on the others. Their sum is what a fold's choice
 * compares; its best fit to all of `files` would also reward a threshold that happens to suit
 * just those categories together.
 */
export function heldOutParts(
  files: readonly DataFile[],
  candidate: Candidate,
  costMatrix: CostMatrix,
): HeldOutPart[] {
  return [...new Set(files.map(categoryOf))].map((category) => {
    const held = files.filter((f) => categoryOf(f) === category);
    const rest = files.filter((f) => categoryOf(f) !== category);
    const { threshold } = optimizeThreshold(rest, candidate.scores, costMatrix);
    return { category, threshold, raw: scoreCorpus(held, candidate.scores, costMatrix, threshold) };
  });
}

/**
 * The candidate with the best held-out score on `files` (leaving each of their categories out
 * in turn; the best total when there is one candidate or one category), and its threshold
 * chosen on all of `files`. Ties: the earlier candidate.
 */
function choose(
  files: readonly DataFile[],
  candidates: readonly Candidate[],
  costMatrix: CostMatrix,
): Choice {
  const categories = [...new Set(files.map(categoryOf))];
  const crossValidate = candidates.length > 1 && categories.length > 1;
  let best: (Choice & { score: number }) | null = null;
  for (const candidate of candidates) {
    const fit = optimizeThreshold(files, candidate.scores, costMatrix);
    const score = crossValidate
      ? heldOutParts(files, candidate, costMatrix).reduce((sum, p) => sum + p.raw, 0)
      : fit.score;
    if (best === null || score > best.score) {
      best = { candidate, threshold: fit.threshold, score };
    }
  }
  if (best === null) throw new Error('no candidate configuration to choose from');
  return best;
}

function windowCount(files: readonly DataFile[]): number {
  return files.reduce((n, f) => n + f.windows.length, 0);
}

function part(
  files: readonly DataFile[],
  choice: Choice,
  nullScores: DetectorScores,
  costMatrix: CostMatrix,
): PartScore {
  const raw = scoreCorpus(files, choice.candidate.scores, costMatrix, choice.threshold);
  const nullRaw = scoreCorpus(files, nullScores, costMatrix, 1.1);
  const perfect = windowCount(files) * costMatrix.tpWeight;
  return {
    raw,
    nullRaw,
    perfect,
    normalized: perfect === nullRaw ? null : (100 * (raw - nullRaw)) / (perfect - nullRaw),
    candidate: choice.candidate.name,
    threshold: choice.threshold,
  };
}

/** Sums parts scored with different settings into one normalised score. */
function pool(parts: readonly PartScore[]): PartScore {
  const raw = parts.reduce((s, p) => s + p.raw, 0);
  const nullRaw = parts.reduce((s, p) => s + p.nullRaw, 0);
  const perfect = parts.reduce((s, p) => s + p.perfect, 0);
  return {
    raw,
    nullRaw,
    perfect,
    normalized: perfect === nullRaw ? null : (100 * (raw - nullRaw)) / (perfect - nullRaw),
    candidate: [...new Set(parts.map((p) => p.candidate))].join(', '),
    threshold: NaN,
  };
}

/**
 * Scores `candidates` leaving one category out at a time. `nullScores` are the null detector's
 * outputs (all zero), whose raw score NAB subtracts; with no detection at all its optimal
 * threshold is above every score, hence 1.1.
 */
export function leaveOneCategoryOut(
  corpus: readonly DataFile[],
  profiles: Profiles,
  nullScores: DetectorScores,
  candidates: readonly Candidate[],
): LeaveOneOutResult {
  const categories = [...new Set(corpus.map(categoryOf))];
  const results: CategoryResult[] = categories.map((category) => ({
    category,
    files: corpus.filter((f) => categoryOf(f) === category).length,
    windows: windowCount(corpus.filter((f) => categoryOf(f) === category)),
    leftOut: {},
    inSample: {},
  }));
  const pooled: Record<string, PartScore> = {};
  const inSample: Record<string, PartScore> = {};
  for (const [profile, costMatrix] of Object.entries(profiles)) {
    const whole = choose(corpus, candidates, costMatrix);
    inSample[profile] = part(corpus, whole, nullScores, costMatrix);
    for (const result of results) {
      const held = corpus.filter((f) => categoryOf(f) === result.category);
      const rest = corpus.filter((f) => categoryOf(f) !== result.category);
      result.leftOut[profile] = part(
        held,
        choose(rest, candidates, costMatrix),
        nullScores,
        costMatrix,
      );
      result.inSample[profile] = part(held, whole, nullScores, costMatrix);
    }
    pooled[profile] = pool(results.map((r) => r.leftOut[profile] as PartScore));
  }
  return { categories: results, pooled, inSample };
}
