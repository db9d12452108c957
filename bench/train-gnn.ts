/**
 * Trains the root-cause GNN on simulator scenarios and writes activities/rca/gnn-weights.json.
 * Plain TypeScript: hand-written backpropagation through the two GraphSAGE layers and Adam.
 * Uses seeds disjoint from bench/rca.ts's evaluation seeds. Run: `npm run train:gnn`.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { buildEvidence, type Evidence } from '../activities/rca/evidence';
import { featureNames, nodeFeatures, rankMembers } from '../activities/rca/features';
import {
  forward,
  softmax,
  standardise,
  type Adjacency,
  type GnnLayer,
  type GnnWeights,
} from '../activities/rca/gnn';
import { faultKinds } from '../simulator/faults';
import { onlineBoutique } from '../simulator/online-boutique';
import { Random } from '../simulator/random';
import { makeScenario } from '../simulator/scenario';
import { collect } from '../simulator/simulate';
import { trainTicket } from '../simulator/train-ticket';

/** Training seeds; bench/rca.ts evaluates on 1…N, far below these. */
export const trainingSeedBase = 100_001;
const seedsPerCase = Number(process.env.GNN_SEEDS ?? 8);
const hidden = 16;
const epochs = 300;
const learningRate = 0.01;
const weightDecay = 0.1;

export interface Sample {
  name: string;
  graph: Adjacency;
  features: number[][];
  target: number;
}

/** One training incident: features from the methods, target from the scenario's ground truth. */
export function sampleFrom(name: string, evidence: Evidence, rootCause: string): Sample {
  const { graph, features } = nodeFeatures(evidence, rankMembers(evidence));
  const target = graph.services.indexOf(rootCause);
  if (target < 0) throw new Error(`${name}: root cause not in the graph`);
  return { name, graph, features, target };
}

function buildSamples(): Sample[] {
  const samples: Sample[] = [];
  for (const topology of [onlineBoutique, trainTicket]) {
    for (const kind of faultKinds) {
      for (let i = 0; i < seedsPerCase; i++) {
        const scenario = makeScenario(topology, kind, trainingSeedBase + i);
        const t = collect(scenario);
        const evidence = buildEvidence(t.spans, t.logs, t.metrics, scenario.window);
        samples.push(sampleFrom(scenario.name, evidence, scenario.groundTruth.service));
        process.stdout.write(`\rbuilt ${samples.length} training scenarios`);
      }
    }
  }
  process.stdout.write('\n');
  return samples;
}

function matrix(rows: number, cols: number, r: Random, scale: number): number[][] {
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => r.uniform(-scale, scale)),
  );
}

function initialWeights(inputs: number, mean: number[], std: number[]): GnnWeights {
  const r = new Random(20_240_601);
  const layer = (fanIn: number): GnnLayer => {
    const scale = Math.sqrt(6 / (fanIn * 3 + hidden));
    return {
      self: matrix(fanIn, hidden, r, scale),
      down: matrix(fanIn, hidden, r, scale),
      up: matrix(fanIn, hidden, r, scale),
      bias: new Array<number>(hidden).fill(0),
    };
  };
  return {
    featureNames,
    featureMean: mean,
    featureStd: std,
    layers: [layer(inputs), layer(hidden)],
    out: { weight: matrix(1, hidden, r, Math.sqrt(6 / (hidden + 1)))[0] ?? [], bias: 0 },
    training: {},
  };
}

/** Every trainable number, in a fixed order, for Adam's flat state. */
function parameters(w: GnnWeights): { get: () => number[]; set: (values: number[]) => void } {
  const blocks = (): number[][] => [
    ...w.layers.flatMap((l) => [...l.self, ...l.down, ...l.up, l.bias]),
    w.out.weight,
  ];
  return {
    get: () => [...blocks().flat(), w.out.bias],
    set: (values) => {
      let k = 0;
      for (const row of blocks()) for (let j = 0; j < row.length; j++) row[j] = values[k++] ?? 0;
      w.out.bias = values[k] ?? 0;
    },
  };
}

/** Accumulates rowsᵀ · delta into grad (inputs × outputs). */
function addOuter(grad: number[][], rows: number[][], delta: number[][]): void {
  rows.forEach((row, i) => {
    const d = delta[i] ?? [];
    row.forEach((v, a) => {
      if (v === 0) return;
      const g = grad[a] ?? [];
      for (let b = 0; b < d.length; b++) g[b] = (g[b] ?? 0) + v * (d[b] ?? 0);
    });
  });
}

/** delta · matrixᵀ. */
function backProject(delta: number[][], m: number[][]): number[][] {
  return delta.map((d) => m.map((row) => row.reduce((s, w, b) => s + w * (d[b] ?? 0), 0)));
}

/** Transpose of the mean aggregation: sends each node's gradient back to its neighbours. */
function scatter(grad: number[][], neighbours: number[][], width: number): number[][] {
  const out = grad.map(() => new Array<number>(width).fill(0));
  neighbours.forEach((list, i) => {
    for (const j of list) {
      const target = out[j] ?? [];
      const g = grad[i] ?? [];
      for (let k = 0; k < width; k++) target[k] = (target[k] ?? 0) + (g[k] ?? 0) / list.length;
    }
  });
  return out;
}

export function zerosLike(w: GnnWeights): GnnWeights {
  const z = (m: number[][]) => m.map((row) => row.map(() => 0));
  return {
    ...w,
    layers: w.layers.map((l) => ({
      self: z(l.self),
      down: z(l.down),
      up: z(l.up),
      bias: l.bias.map(() => 0),
    })),
    out: { weight: w.out.weight.map(() => 0), bias: 0 },
  };
}

/** Cross-entropy of one incident and its gradient, added into `grad`. */
export function backward(w: GnnWeights, grad: GnnWeights, sample: Sample, x: number[][]): number {
  const pass = forward(w, sample.graph, x);
  const p = softmax(pass.logits);
  const loss = -Math.log(Math.max(1e-12, p[sample.target] ?? 0));
  const dLogits = p.map((v, i) => v - (i === sample.target ? 1 : 0));
  const last = pass.layers[pass.layers.length - 1];
  if (!last) return loss;
  last.h.forEach((row, i) => {
    const d = dLogits[i] ?? 0;
    row.forEach((v, k) => (grad.out.weight[k] = (grad.out.weight[k] ?? 0) + v * d));
    grad.out.bias += d;
  });
  let dh = dLogits.map((d) => w.out.weight.map((wk) => wk * d));
  for (let l = pass.layers.length - 1; l >= 0; l--) {
    const layer = pass.layers[l];
    const weights = w.layers[l];
    const g = grad.layers[l];
    if (!layer || !weights || !g) break;
    const dz = dh.map((row, i) => row.map((v, k) => ((layer.z[i]?.[k] ?? 0) > 0 ? v : 0)));
    addOuter(g.self, layer.input, dz);
    addOuter(g.down, layer.down, dz);
    addOuter(g.up, layer.up, dz);
    for (const row of dz) row.forEach((v, k) => (g.bias[k] = (g.bias[k] ?? 0) + v));
    if (l === 0) break;
    const width = layer.input[0]?.length ?? 0;
    const viaSelf = backProject(dz, weights.self);
    const viaDown = scatter(backProject(dz, weights.down), sample.graph.callees, width);
    const viaUp = scatter(backProject(dz, weights.up), sample.graph.callers, width);
    dh = viaSelf.map((row, i) =>
      row.map((v, k) => v + (viaDown[i]?.[k] ?? 0) + (viaUp[i]?.[k] ?? 0)),
    );
  }
  return loss;
}

function featureStats(samples: readonly Sample[]): { mean: number[]; std: number[] } {
  const rows = samples.flatMap((s) => s.features);
  const width = rows[0]?.length ?? 0;
  const mean = Array.from(
    { length: width },
    (_, k) => rows.reduce((s, r) => s + (r[k] ?? 0), 0) / rows.length,
  );
  const std = mean.map((m, k) =>
    Math.max(1e-6, Math.sqrt(rows.reduce((s, r) => s + ((r[k] ?? 0) - m) ** 2, 0) / rows.length)),
  );
  return { mean, std };
}

export function train(samples: readonly Sample[]): GnnWeights {
  const { mean, std } = featureStats(samples);
  const w = initialWeights(featureNames.length, mean, std);
  const inputs = samples.map((s) => standardise(w, s.features));
  const params = parameters(w);
  let theta = params.get();
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  let loss = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const grad = zerosLike(w);
    loss = 0;
    let correct = 0;
    samples.forEach((sample, i) => {
      const x = inputs[i] ?? [];
      loss += backward(w, grad, sample, x);
      const logits = forward(w, sample.graph, x).logits;
      if (logits.indexOf(Math.max(...logits)) === sample.target) correct++;
    });
    loss /= samples.length;
    const g = parameters(grad).get();
    // Adam with decoupled weight decay on the averaged gradient.
    theta = theta.map((t, k) => {
      const gk = (g[k] ?? 0) / samples.length;
      m[k] = 0.9 * (m[k] ?? 0) + 0.1 * gk;
      v[k] = 0.999 * (v[k] ?? 0) + 0.001 * gk * gk;
      const mHat = (m[k] ?? 0) / (1 - 0.9 ** epoch);
      const vHat = (v[k] ?? 0) / (1 - 0.999 ** epoch);
      return t - learningRate * (mHat / (Math.sqrt(vHat) + 1e-8) + weightDecay * t);
    });
    params.set(theta);
    if (epoch % 50 === 0 || epoch === 1) {
      console.log(
        `epoch ${epoch}: loss ${loss.toFixed(4)}, train AC@1 ${(correct / samples.length).toFixed(3)}`,
      );
    }
  }
  w.training = {
    command: 'npm run train:gnn',
    scenarios: samples.length,
    seeds: `${trainingSeedBase}…${trainingSeedBase + seedsPerCase - 1} per topology × fault kind`,
    epochs,
    finalLoss: Number(loss.toFixed(4)),
  };
  return w;
}

export function rounded(w: GnnWeights): GnnWeights {
  return JSON.parse(
    JSON.stringify(w, (_, x: unknown) => (typeof x === 'number' ? Number(x.toPrecision(5)) : x)),
  );
}

export const weightsPath = resolve(__dirname, '..', 'activities', 'rca', 'gnn-weights.json');

async function main(): Promise<void> {
  const started = Date.now();
  const weights = rounded(train(buildSamples()));
  // Written the way the repository's Prettier config formats it, so `npm run lint` stays clean.
  const options = (await resolveConfig(weightsPath)) ?? {};
  writeFileSync(weightsPath, await format(JSON.stringify(weights), { ...options, parser: 'json' }));
  console.log(`wrote ${weightsPath} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
