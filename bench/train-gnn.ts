/**
 * Trains the root-cause GNN on simulator scenarios and writes activities/rca/gnn-weights.json,
 * then fits the ensemble's fusion on separate tuning scenarios (the members and the trained GNN
 * ranking them) and writes activities/rca/fusion-weights.json. Plain TypeScript: hand-written
 * backpropagation through the two GraphSAGE layers, and Adam for both fits. Both use seeds
 * disjoint from each other and from bench/rca.ts's evaluation seeds. The fusion also learns from
 * the recorded faults of `../shared/data/nezha` where present, and is refitted without each
 * recorded system for the benchmark's leave-one-system-out score. Run: `npm run train:gnn`
 * (`-- --fusion-only` keeps the committed GNN).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { buildEvidence, type Evidence } from '../activities/rca/evidence';
import { fusionInputs, rankAll, voteNames, type FusionWeights } from '../activities/rca/ensemble';
import {
  featureNames,
  memberMethods,
  nodeFeatures,
  rankMembers,
  type MemberRankings,
} from '../activities/rca/features';
import {
  forward,
  gnn,
  softmax,
  standardise,
  type Adjacency,
  type GnnLayer,
  trainedWeights,
  type GnnWeights,
} from '../activities/rca/gnn';
import { faultKinds } from '../simulator/faults';
import { Random } from '../simulator/random';
import { makeScenario, type Scenario } from '../simulator/scenario';
import { collect } from '../simulator/simulate';
import { runNezha } from './nezha/bench';
import { profiles, topologies } from './rca';

/** GNN training seeds; bench/rca.ts evaluates on 1…N, far below these. */
export const trainingSeedBase = 100_001;
const seedsPerCase = Number(process.env.GNN_SEEDS ?? 8);
/** Fusion tuning seeds: unseen by the GNN (so its confidence is honest) and by the benchmark. */
export const tuningSeedBase = 5001;
const tuningSeedsPerCase = Number(process.env.FUSION_SEEDS ?? 8);
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

/** Every profile × topology × fault kind, `perCase` seeds from `base`. */
function* scenarios(base: number, perCase: number): Generator<Scenario> {
  for (const profile of profiles) {
    for (const topology of topologies) {
      for (const kind of faultKinds) {
        for (let seed = base; seed < base + perCase; seed++) {
          yield makeScenario(topology, kind, seed, profile.options(seed));
        }
      }
    }
  }
}

function evidenceOf(scenario: Scenario): Evidence {
  const t = collect(scenario);
  return buildEvidence(t.spans, t.logs, t.metrics, scenario.window);
}

function buildSamples(): Sample[] {
  const samples: Sample[] = [];
  for (const scenario of scenarios(trainingSeedBase, seedsPerCase)) {
    samples.push(sampleFrom(scenario.name, evidenceOf(scenario), scenario.groundTruth.service));
    process.stdout.write(`\rbuilt ${samples.length} training scenarios`);
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
    seeds: `${trainingSeedBase}…${trainingSeedBase + seedsPerCase - 1} per profile × topology × fault kind`,
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

/** One tuning incident: every method's ranking (the GNN's included) and the true service. */
export interface TuningIncident {
  rankings: MemberRankings;
  truth: string;
  /** Where it comes from: `simulator`, or the recorded system (a Nezha system name). */
  source?: string;
  /** Its share of the loss (default 1). */
  weight?: number;
}

export function buildTuningSet(weights: GnnWeights): TuningIncident[] {
  const incidents: TuningIncident[] = [];
  for (const scenario of scenarios(tuningSeedBase, tuningSeedsPerCase)) {
    const evidence = evidenceOf(scenario);
    const rankings = rankAll(evidence, weights);
    incidents.push({ rankings, truth: scenario.groundTruth.service, source: 'simulator' });
    process.stdout.write(`\rbuilt ${incidents.length} tuning scenarios`);
  }
  process.stdout.write('\n');
  return incidents;
}

const fusionIterations = 2000;
const fusionLearningRate = 0.05;
/**
 * Candidate L2 penalties. The penalty keeps a member that is rarely wrong on the tuning set from
 * taking over; how much it should is chosen per fit by `choosePenalty`, on that fit's own
 * incidents, so a fit that leaves a recorded system out never hears from it even through this.
 * None below 0.001: there the three votes of a member, nearly collinear, cancel in large weights
 * of opposite sign, and a member's second place came to count less than its third.
 */
export const fusionPenalties = [0.001, 0.003, 0.01, 0.03, 0.1];
/** Folds of the penalty's cross-validation: the tuning set's 3 simulator seeds by default. */
const penaltyFolds = 3;

/**
 * Fits the fusion's conditional logit (softmax over each incident's services) by Adam on the
 * mean cross-entropy plus an L2 penalty. The loss is convex in the weights, so the result does
 * not depend on the starting point.
 */
export function fitFusion(
  incidents: readonly TuningIncident[],
  methods: readonly string[],
  penalty = 0.01,
): { weights: FusionWeights; loss: number } {
  const total = incidents.reduce((s, i) => s + (i.weight ?? 1), 0);
  const data = incidents.map(({ rankings, truth, weight }) => {
    const { services, x } = fusionInputs(rankings, methods);
    return { x, target: services.indexOf(truth), share: (weight ?? 1) / total };
  });
  const d = methods.length * voteNames.length;
  let w = new Array<number>(d).fill(0);
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  let loss = 0;
  for (let step = 1; step <= fusionIterations; step++) {
    const grad = w.map((wk) => penalty * wk);
    loss = (penalty / 2) * w.reduce((s, wk) => s + wk * wk, 0);
    for (const { x, target, share } of data) {
      const p = softmax(x.map((row) => row.reduce((s, xk, k) => s + xk * (w[k] ?? 0), 0)));
      // A truth no method ranked contributes nothing the weights could change.
      if (target < 0) continue;
      loss -= Math.log(Math.max(1e-12, p[target] ?? 0)) * share;
      x.forEach((row, i) => {
        const r = ((p[i] ?? 0) - (i === target ? 1 : 0)) * share;
        row.forEach((xk, k) => (grad[k] = (grad[k] ?? 0) + r * xk));
      });
    }
    w = w.map((wk, k) => {
      const g = grad[k] ?? 0;
      m[k] = 0.9 * (m[k] ?? 0) + 0.1 * g;
      v[k] = 0.999 * (v[k] ?? 0) + 0.001 * g * g;
      const mHat = (m[k] ?? 0) / (1 - 0.9 ** step);
      const vHat = (v[k] ?? 0) / (1 - 0.999 ** step);
      return wk - (fusionLearningRate * mHat) / (Math.sqrt(vHat) + 1e-8);
    });
  }
  const weights = Object.fromEntries(
    methods.map((method, j) => [
      method,
      w
        .slice(j * voteNames.length, (j + 1) * voteNames.length)
        .map((x) => Number(x.toPrecision(5))),
    ]),
  );
  return { weights, loss };
}

/** Mean cross-entropy of `weights` on `incidents` (their `weight`s as shares). */
export function fusionLoss(
  weights: Readonly<FusionWeights>,
  incidents: readonly TuningIncident[],
  methods: readonly string[],
): number {
  const total = incidents.reduce((s, i) => s + (i.weight ?? 1), 0);
  let loss = 0;
  for (const { rankings, truth, weight } of incidents) {
    const { services, x } = fusionInputs(rankings, methods);
    const target = services.indexOf(truth);
    if (target < 0) continue;
    const logits = x.map((row) =>
      methods.reduce(
        (s, m, j) =>
          s +
          (weights[m] ?? []).reduce((a, wk, k) => a + wk * (row[j * voteNames.length + k] ?? 0), 0),
        0,
      ),
    );
    loss -= (Math.log(Math.max(1e-12, softmax(logits)[target] ?? 0)) * (weight ?? 1)) / total;
  }
  return loss;
}

/**
 * The penalty of `fusionPenalties` whose fits predict held-out incidents best (mean
 * cross-entropy over `penaltyFolds` folds; each source's incidents dealt round-robin, so every
 * fold holds every source, and `share` gives each fold's incidents their weights). One fixed
 * penalty was a choice made once on the simulator; the right amount depends on how much the
 * tuning data says, which changes with every system added or left out.
 */
export function choosePenalty(
  incidents: readonly TuningIncident[],
  methods: readonly string[],
  share: (fold: readonly TuningIncident[]) => TuningIncident[],
  penalties: readonly number[] = fusionPenalties,
): { penalty: number; heldOutLoss: number[] } {
  const seen = new Map<string, number>();
  const fold = incidents.map((i) => {
    const n = seen.get(i.source ?? '') ?? 0;
    seen.set(i.source ?? '', n + 1);
    return n % penaltyFolds;
  });
  const heldOutLoss = penalties.map((penalty) => {
    let sum = 0;
    for (let f = 0; f < penaltyFolds; f++) {
      const train = incidents.filter((_, i) => fold[i] !== f);
      const test = incidents.filter((_, i) => fold[i] === f);
      sum += fusionLoss(fitFusion(share(train), methods, penalty).weights, share(test), methods);
    }
    return sum / penaltyFolds;
  });
  const best = heldOutLoss.indexOf(Math.min(...heldOutLoss));
  return { penalty: penalties[best] ?? 0.01, heldOutLoss };
}

export const weightsPath = resolve(__dirname, '..', 'activities', 'rca', 'gnn-weights.json');
export const fusionPath = resolve(__dirname, '..', 'activities', 'rca', 'fusion-weights.json');

/** Written the way the repository's Prettier config formats it, so `npm run lint` stays clean. */
async function writeJson(path: string, value: unknown): Promise<void> {
  const options = (await resolveConfig(path)) ?? {};
  writeFileSync(path, await format(JSON.stringify(value), { ...options, parser: 'json' }));
}

/**
 * The recorded faults of `../shared/data/nezha` as tuning incidents (replayed and ranked as
 * bench:rca's nezha profile does); none when the data is not there.
 */
async function recordedTuningSet(): Promise<TuningIncident[]> {
  const incidents: TuningIncident[] = [];
  const outcomes = await runNezha({
    onRanked: (replay, result) =>
      incidents.push({
        rankings: result.members,
        truth: replay.fault.service,
        source: replay.fault.system,
      }),
  });
  if (!outcomes) console.log('no Nezha data: the fusion is fitted on simulator scenarios only');
  return incidents;
}

/** The simulator and the recorded systems count equally, however many incidents each has. */
const recordedShare = 0.5;

/**
 * Fits the fusion on simulator and recorded incidents (each half of the loss when both are
 * there), once on everything and once without each recorded system: the benchmark scores a
 * system with the weights that never saw it.
 */
export function fitFusionModel(
  simulated: readonly TuningIncident[],
  recorded: readonly TuningIncident[],
  methods: readonly string[],
  penalties: readonly number[] = fusionPenalties,
): {
  weights: FusionWeights;
  loss: number;
  penalty: number;
  leaveOneSystemOut: Record<string, FusionWeights>;
  penalties: Record<string, number>;
  fit: (without?: string) => { weights: FusionWeights; loss: number };
} {
  // Each source's share of the loss: the simulator and the recorded systems half each.
  const shared = (incidents: readonly TuningIncident[]): TuningIncident[] => {
    const sim = incidents.filter((i) => (i.source ?? 'simulator') === 'simulator');
    const real = incidents.filter((i) => (i.source ?? 'simulator') !== 'simulator');
    const simWeight = (real.length ? 1 - recordedShare : 1) / Math.max(1, sim.length);
    const realWeight = recordedShare / Math.max(1, real.length);
    return incidents.map((i) => ({
      ...i,
      weight: (i.source ?? 'simulator') === 'simulator' ? simWeight : realWeight,
    }));
  };
  const training = (withoutSystem?: string) => [
    ...simulated.map((i) => ({ ...i, source: 'simulator' })),
    ...recorded.filter((i) => i.source !== withoutSystem),
  ];
  const fit = (withoutSystem?: string) => {
    const incidents = training(withoutSystem);
    const { penalty } = choosePenalty(incidents, methods, shared, penalties);
    return { ...fitFusion(shared(incidents), methods, penalty), penalty };
  };
  const full = fit();
  const systems = [...new Set(recorded.map((i) => i.source ?? ''))].sort();
  const left = Object.fromEntries(systems.map((s) => [s, fit(s)]));
  return {
    ...full,
    leaveOneSystemOut: Object.fromEntries(systems.map((s) => [s, left[s]?.weights ?? {}])),
    penalties: {
      all: full.penalty,
      ...Object.fromEntries(systems.map((s) => [`without ${s}`, left[s]?.penalty ?? 0])),
    },
    // The ablations keep the full fit's penalty: they ask what one member adds, nothing else.
    fit: (leftOut) =>
      fitFusion(
        shared(training()),
        methods.filter((m) => m !== leftOut),
        full.penalty,
      ),
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  // --fusion-only: keep the committed GNN and refit only the fusion on top of it.
  const weights = process.argv.includes('--fusion-only')
    ? trainedWeights()
    : rounded(train(buildSamples()));
  if (!process.argv.includes('--fusion-only')) {
    await writeJson(weightsPath, weights);
    console.log(`wrote ${weightsPath} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }

  const tuning = buildTuningSet(weights);
  const recorded = await recordedTuningSet();
  const methods = [...memberMethods.map((m) => m.name), gnn.name];
  const model = fitFusionModel(tuning, recorded, methods);
  console.log(`fusion: loss ${model.loss.toFixed(4)}`, model.weights);
  const ablations = Object.fromEntries(methods.map((left) => [left, model.fit(left).weights]));
  await writeJson(fusionPath, {
    weights: model.weights,
    leaveOneSystemOut: model.leaveOneSystemOut,
    ablations,
    training: {
      // The tuning seeds change the weights, so the command that reproduces them names them.
      command: `${process.env.FUSION_SEEDS ? `FUSION_SEEDS=${process.env.FUSION_SEEDS} ` : ''}npm run train:gnn${process.argv.includes('--fusion-only') ? ' -- --fusion-only' : ''}`,
      votes: voteNames.join(', '),
      scenarios: tuning.length,
      seeds: `${tuningSeedBase}…${tuningSeedBase + tuningSeedsPerCase - 1} per profile × topology × fault kind`,
      recordedFaults: recorded.length,
      recordedShare,
      penalties: model.penalties,
      finalLoss: Number(model.loss.toFixed(4)),
    },
  });
  console.log(`wrote ${fusionPath} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
