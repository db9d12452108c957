import { byScore, type RcaMethod, type RootCauseCandidate } from './candidate';
import type { Evidence } from './evidence';
import { featureNames, nodeFeatures, rankMembers, type MemberRankings } from './features';
import weightsFile from './gnn-weights.json';

/**
 * A small directional GraphSAGE over the service graph: each layer mixes a node's own vector
 * with the mean of its callees' and the mean of its callers' vectors (separate weights, since
 * anomalies propagate from callees to callers). Two layers, then a linear score per node;
 * softmax over the nodes of one incident gives the root-cause distribution. Trained by
 * bench/train-gnn.ts on simulator scenarios; inference is plain TypeScript.
 */

export interface GnnLayer {
  self: number[][];
  down: number[][];
  up: number[][];
  bias: number[];
}

export interface GnnWeights {
  featureNames: string[];
  featureMean: number[];
  featureStd: number[];
  layers: GnnLayer[];
  out: { weight: number[]; bias: number };
  training: Record<string, string | number>;
}

export interface Adjacency {
  callees: number[][];
  callers: number[][];
}

export interface LayerPass {
  input: number[][];
  down: number[][];
  up: number[][];
  /** Pre-activation; h = relu(z). */
  z: number[][];
  h: number[][];
}

export interface ForwardPass {
  layers: LayerPass[];
  logits: number[];
}

/** Mean of the neighbours' rows (zeros for a node without neighbours). */
function aggregate(h: readonly number[][], neighbours: readonly number[][]): number[][] {
  const width = h[0]?.length ?? 0;
  return neighbours.map((list) => {
    const out = new Array<number>(width).fill(0);
    for (const j of list) {
      const row = h[j] ?? [];
      for (let k = 0; k < width; k++) out[k] = (out[k] ?? 0) + (row[k] ?? 0) / list.length;
    }
    return out;
  });
}

/** row · matrix (matrix is inputs × outputs). */
function project(row: readonly number[], matrix: readonly number[][], out: number[]): void {
  for (let i = 0; i < row.length; i++) {
    const v = row[i] ?? 0;
    if (v === 0) continue;
    const w = matrix[i] ?? [];
    for (let k = 0; k < out.length; k++) out[k] = (out[k] ?? 0) + v * (w[k] ?? 0);
  }
}

export function standardise(weights: GnnWeights, features: readonly number[][]): number[][] {
  return features.map((row) =>
    row.map((v, k) => (v - (weights.featureMean[k] ?? 0)) / (weights.featureStd[k] ?? 1)),
  );
}

export function forward(weights: GnnWeights, graph: Adjacency, x: number[][]): ForwardPass {
  const layers: LayerPass[] = [];
  let h = x;
  for (const layer of weights.layers) {
    const down = aggregate(h, graph.callees);
    const up = aggregate(h, graph.callers);
    const z = h.map((row, i) => {
      const out = [...layer.bias];
      project(row, layer.self, out);
      project(down[i] ?? [], layer.down, out);
      project(up[i] ?? [], layer.up, out);
      return out;
    });
    const next = z.map((row) => row.map((v) => Math.max(0, v)));
    layers.push({ input: h, down, up, z, h: next });
    h = next;
  }
  const logits = h.map(
    (row) => weights.out.bias + row.reduce((s, v, k) => s + v * (weights.out.weight[k] ?? 0), 0),
  );
  return { layers, logits };
}

export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - max));
  const total = e.reduce((s, x) => s + x, 0);
  return e.map((x) => x / total);
}

/** Ranks services by the GNN's root-cause probability, reusing already computed members. */
export function rankWithGnn(
  weights: GnnWeights,
  evidence: Evidence,
  members: MemberRankings,
): RootCauseCandidate[] {
  const { graph, features } = nodeFeatures(evidence, members);
  const probabilities = softmax(forward(weights, graph, standardise(weights, features)).logits);
  const lookup = Object.values(members).map(
    (ranking) => new Map(ranking.map((c, rank) => [c.service, { c, rank }])),
  );
  return byScore(
    graph.services.map((service, i) => {
      // Describe the suspect the way the member that ranks it highest does.
      const found = lookup
        .map((m) => m.get(service))
        .filter((x): x is { c: RootCauseCandidate; rank: number } => x !== undefined);
      const best = found.sort((a, b) => a.rank - b.rank)[0]?.c;
      return {
        service,
        operation: best?.operation,
        kind: best?.kind ?? 'latency',
        score: probabilities[i] ?? 0,
        evidence: Object.assign({}, ...found.map((x) => x.c.evidence).reverse()),
      };
    }),
  );
}

/** The trained weights, checked against the current feature list on first use. */
export function trainedWeights(): GnnWeights {
  const weights = weightsFile as GnnWeights;
  if (weights.featureNames.join() !== featureNames.join()) {
    // Stale weights would silently score the wrong inputs.
    throw new Error('gnn-weights.json does not match the features; run `npm run train:gnn`');
  }
  return weights;
}

export const gnn: RcaMethod = {
  name: 'gnn',
  rank: (evidence) => rankWithGnn(trainedWeights(), evidence, rankMembers(evidence)),
};
