/**
 * Isolation forest (Liu, Ting & Zhou 2008): points that random axis-aligned splits isolate in
 * few steps are anomalous. The streaming form refits on a sliding window of recent vectors, so
 * "normal" follows the series; a seeded PRNG keeps it deterministic. Works on any fixed-length
 * vector: windowed features of one series, or e.g. [rate, errors, p95 latency].
 */
import { Prng } from './prng';
import type { StreamingDetector } from './types';

/**
 * One tree as parallel arrays; a node with feature −1 is a leaf holding `size` samples. `low`
 * and `high` are the range of the split feature among the node's samples.
 */
export type IsolationTree = {
  feature: number[];
  split: number[];
  low: number[];
  high: number[];
  left: number[];
  right: number[];
  size: number[];
};

/** Average unsuccessful-search path length in a BST of n nodes: the depth normaliser c(n). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  const harmonic = Math.log(n - 1) + 0.5772156649;
  return 2 * harmonic - (2 * (n - 1)) / n;
}

function growTree(
  samples: readonly (readonly number[])[],
  maxDepth: number,
  prng: Prng,
): IsolationTree {
  const tree: IsolationTree = {
    feature: [],
    split: [],
    low: [],
    high: [],
    left: [],
    right: [],
    size: [],
  };
  const dims = samples[0]?.length ?? 0;
  const grow = (rows: readonly (readonly number[])[], depth: number): number => {
    const node = tree.feature.length;
    tree.feature.push(-1);
    tree.split.push(0);
    tree.low.push(0);
    tree.high.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.size.push(rows.length);
    if (depth >= maxDepth || rows.length <= 1) return node;
    // Pick among features that still vary here; a constant one cannot split.
    const candidates: { f: number; lo: number; hi: number }[] = [];
    for (let f = 0; f < dims; f++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const r of rows) {
        const v = r[f] as number;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi > lo) candidates.push({ f, lo, hi });
    }
    const pick = candidates[prng.int(candidates.length)];
    if (pick === undefined) return node;
    const split = pick.lo + prng.next() * (pick.hi - pick.lo);
    const below = rows.filter((r) => (r[pick.f] as number) < split);
    const above = rows.filter((r) => (r[pick.f] as number) >= split);
    tree.feature[node] = pick.f;
    tree.split[node] = split;
    tree.low[node] = pick.lo;
    tree.high[node] = pick.hi;
    tree.left[node] = grow(below, depth + 1);
    tree.right[node] = grow(above, depth + 1);
    return node;
  };
  grow(samples, 0);
  return tree;
}

/**
 * Depth at which `x` is isolated. A value outside the node's range of the split feature would be
 * cut off right there by some split, so it counts as isolated one level down: otherwise a point
 * far beyond the training data scores no higher than the most extreme training point.
 */
function pathLength(tree: IsolationTree, x: readonly number[]): number {
  let node = 0;
  let depth = 0;
  for (;;) {
    const f = tree.feature[node] as number;
    if (f < 0) return depth + averagePathLength(tree.size[node] as number);
    const v = x[f] as number;
    if (v < (tree.low[node] as number) || v > (tree.high[node] as number)) return depth + 1;
    node = (v < (tree.split[node] as number) ? tree.left[node] : tree.right[node]) as number;
    depth++;
  }
}

export interface IsolationForestConfig {
  readonly trees: number;
  /** Samples per tree (ψ); depth is capped at log2 ψ as in the paper. */
  readonly sampleSize: number;
  /** Recent vectors the forest is fitted on. */
  readonly trainingWindow: number;
  /** Points between refits. */
  readonly refitEvery: number;
  /** Vectors needed before the first fit (score 0 until then). */
  readonly warmup: number;
  readonly seed: number;
}

export type IsolationForestState = {
  window: number[][];
  trees: IsolationTree[];
  fittedOn: number;
  sinceFit: number;
  prng: number;
};

/** Draws ψ distinct rows (partial Fisher-Yates over indices). */
function subsample<T>(rows: readonly T[], size: number, prng: Prng): T[] {
  const idx = rows.map((_, i) => i);
  const n = Math.min(size, rows.length);
  for (let i = 0; i < n; i++) {
    const j = i + prng.int(idx.length - i);
    [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
  }
  return idx.slice(0, n).map((i) => rows[i] as T);
}

export class StreamingIsolationForest implements StreamingDetector<
  readonly number[],
  IsolationForestState
> {
  private s: IsolationForestState;

  constructor(private readonly config: IsolationForestConfig) {
    this.s = { window: [], trees: [], fittedOn: 0, sinceFit: 0, prng: config.seed >>> 0 };
  }

  /** Isolation score in [0, 1] (≈0.5 unremarkable, → 1 isolated), then learns the vector. */
  score(vector: readonly number[]): number {
    const s = this.s;
    const dims = s.window[0]?.length ?? vector.length;
    if (vector.length !== dims) {
      throw new Error(`isolation forest expects ${dims}-dimensional vectors, got ${vector.length}`);
    }
    let result = 0;
    if (s.trees.length > 0) {
      let total = 0;
      for (const t of s.trees) total += pathLength(t, vector);
      result = 2 ** (-(total / s.trees.length) / averagePathLength(s.fittedOn));
    }
    s.window.push([...vector]);
    if (s.window.length > this.config.trainingWindow) s.window.shift();
    s.sinceFit++;
    const due = s.trees.length === 0 || s.sinceFit >= this.config.refitEvery;
    // Two samples at least: c(1) = 0 would make every path length infinitely long.
    if (due && s.window.length >= Math.max(2, this.config.warmup)) this.fit();
    return result;
  }

  private fit(): void {
    const prng = new Prng(this.s.prng);
    const { trees, sampleSize } = this.config;
    const maxDepth = Math.ceil(Math.log2(Math.max(2, sampleSize)));
    const grown: IsolationTree[] = [];
    let fittedOn = 0;
    for (let i = 0; i < trees; i++) {
      const sample = subsample(this.s.window, sampleSize, prng);
      fittedOn = sample.length;
      grown.push(growTree(sample, maxDepth, prng));
    }
    this.s = { ...this.s, trees: grown, fittedOn, sinceFit: 0, prng: prng.snapshot };
  }

  exportState(): IsolationForestState {
    return structuredClone(this.s);
  }

  importState(state: IsolationForestState): void {
    this.s = structuredClone(state);
  }
}
