import type { CandidateKind } from './candidate';
import { metricKey, type Evidence, type RedSeries, type Series } from './evidence';
import { operationKey, type LatencyHistory } from './latency-history';
import {
  measurable,
  median,
  metricChange,
  present,
  quantile,
  rateChange,
  robustChange,
  robustScale,
  secondLargest,
  type RobustChange,
} from './stats';

/** One scored series, attributed to the service it most plausibly describes. */
export interface ScoredSeries {
  service: string;
  /** Human-readable series name, used as the key of `metricDeltas`. */
  name: string;
  operation?: string;
  /** Which family of signal this is (drives the candidate kind and the GNN features). */
  family: SignalFamily;
  /** Anomaly strength: robust z, positive = worse. */
  z: number;
  delta: number;
}

export type SignalFamily =
  'latency' | 'errors' | 'clientLatency' | 'clientErrors' | 'gap' | 'unanswered' | 'metric';

export const signalFamilies: readonly SignalFamily[] = [
  'latency',
  'errors',
  'clientLatency',
  'clientErrors',
  'gap',
  'unanswered',
  'metric',
];

export const isMetricKind = (kind: CandidateKind) => kind === 'memory' || kind === 'saturation';

/** The kind of root cause a metric points at: memory (a leak) or other saturation. */
export function metricKind(name: string): CandidateKind {
  return /memory|heap/i.test(name) ? 'memory' : 'saturation';
}

/** Each service's scored series, strongest first. */
export function seriesByService(scored: readonly ScoredSeries[]): Map<string, ScoredSeries[]> {
  const byService = new Map<string, ScoredSeries[]>();
  for (const s of scored) {
    let list = byService.get(s.service);
    if (!list) byService.set(s.service, (list = []));
    list.push(s);
  }
  for (const list of byService.values()) list.sort((a, b) => b.z - a.z);
  return byService;
}

/**
 * The kind of root cause a service is, from its series strongest first (`fallback` when it has
 * none): a metric that fell (a restarted pod's memory, an idle service's CPU) is a consequence,
 * so the next series decides.
 */
export function kindOfService(
  strongestFirst: readonly ScoredSeries[],
  instrumented: boolean,
  fallback: SignalFamily,
): CandidateKind {
  const telling =
    strongestFirst.find((s) => s.family !== 'metric' || s.delta > 0) ?? strongestFirst[0];
  return kindOfFamily(telling?.family ?? fallback, instrumented, telling?.name);
}

/** The kind of root cause a series of `family` points at (`name` tells metrics apart). */
export function kindOfFamily(
  family: SignalFamily,
  instrumented: boolean,
  name = '',
): CandidateKind {
  switch (family) {
    case 'latency':
    case 'clientLatency':
      return 'latency';
    case 'errors':
      return 'errors';
    case 'clientErrors':
      // Callers failing on a service that itself reports no errors: it is unreachable.
      return instrumented ? 'dependency' : 'errors';
    case 'gap':
    case 'unanswered':
      return 'dependency';
    case 'metric':
      return metricKind(name);
  }
}

/** A history shorter than a minute of buckets says nothing about a service's usual levels. */
const minHistoryBuckets = 6;

/** Below this chance, a window reaching a level the history reached is news. */
const knownLevelChance = 0.05;

/**
 * The share p of history buckets at or above a level such that a window of n buckets has two
 * or more there (its second-worst bucket, which the robust change scores) with chance
 * `knownLevelChance`: rarer levels than that are news, commoner ones are known.
 */
export function knownLevelShare(n: number): number {
  const atLeastTwo = (p: number) => 1 - (1 - p) ** n - n * p * (1 - p) ** (n - 1);
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (atLeastTwo(mid) < knownLevelChance) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The change of a latency series against its baseline and, when the store has them, against
 * the operation's levels in the longer history before it: the smaller of the two. A level the
 * service already had in the hour before (a busy hour, a slower dependency that day, the odd slow
 * bucket of a quiet operation) is not this fault's change, however still the few minutes of
 * baseline happened to be. The window's second-worst bucket is held against the level that the
 * history reached often enough for a window of this length to reach it twice by chance.
 */
function changeBeyondHistory(
  values: Series,
  baselineBuckets: number,
  history: readonly number[] | undefined,
): RobustChange {
  const change = robustChange(values, baselineBuckets);
  if (!history || history.length < minHistoryBuckets) return change;
  const fault = present(values.slice(baselineBuckets));
  if (fault.length < 2) return change;
  const m = median(history);
  const scale = robustScale(history, m);
  const known = quantile(history, 1 - knownLevelShare(fault.length));
  const z = (secondLargest(fault) - known) / scale;
  return z < change.z ? { z, delta: median(fault) - m } : change;
}

/**
 * The fewest readings a metric's history must hold to say a level is known: a share of
 * `knownLevelChance` is one reading only from `1 / knownLevelChance` readings on. In fewer, the
 * quantile it is read at lies between the history's largest readings, so a level reached once
 * would be "known" (a gauge scraped once a minute: 20 minutes of quiet history; the offline Nezha
 * bench's 6–12 readings before its earlier faults made most of a fault's own evidence routine).
 */
const minMetricHistory = Math.ceil(1 / knownLevelChance);

/**
 * A metric's change measured from the level the series `held` (its last reading before the
 * window), when that level is nearer the window's values than the baseline's median: a level the
 * series already held when the window began is no step the fault made. A baseline of ten minutes
 * read by its median calls an episode that began a minute before the window new (issue #20: a
 * quiet pod's client latency at 28 s from a minute before the fault's injection). The held
 * reading is one, not two: a gauge scraped once a minute often has one reading of a state between
 * its start and the window's; a fault that shows before its label and rises on keeps its step
 * past that reading.
 */
export function changeFromHeldLevel(
  values: Series,
  baselineBuckets: number,
  change: RobustChange,
  held: number | undefined,
): RobustChange {
  const base = present(values.slice(0, baselineBuckets));
  const fault = present(values.slice(baselineBuckets));
  if (held === undefined || !base.length || !fault.length || change.z === 0) return change;
  const up = change.z > 0;
  const reached = up ? secondLargest(fault) : -secondLargest(fault.map((v) => -v));
  const fromMedian = Math.abs(reached - median(base));
  const fromHeld = Math.max(0, up ? reached - held : held - reached);
  if (fromHeld >= fromMedian) return change;
  // The baseline's scale is its quiet readings' noise; a step from the held level is read no
  // finer than a tenth of that level, as a sparse series is (`robustChange`).
  const scale = Math.max(fromMedian / Math.abs(change.z), 0.1 * Math.abs(held));
  const z = Math.min(Math.abs(change.z), fromHeld / scale);
  return { z: Math.sign(change.z) * z, delta: change.delta };
}

/**
 * A metric's change, no larger than how far its fault readings go past the levels its history
 * (its readings of the store's hour before the baseline taken while no incident was going on,
 * `metricHistoryReadings`) reached often enough: a level the series reaches now and
 * then is known, as for latency (`changeBeyondHistory`) and log lines. Pods' latency quantiles
 * over a few calls sit at one level for most minutes and at another (a call in the top histogram
 * bucket: 29 s, 3600 s) for a few minutes every half hour or so, a rhythm a baseline of ten
 * readings often misses whole (issue #20).
 */
export function metricBeyondHistory(
  values: Series,
  baselineBuckets: number,
  history: readonly number[] | undefined,
  held?: number,
): RobustChange {
  const change = changeFromHeldLevel(
    values,
    baselineBuckets,
    metricChange(values, baselineBuckets),
    held,
  );
  if (!history || history.length < minMetricHistory) return change;
  const fault = present(values.slice(baselineBuckets));
  if (!fault.length) return change;
  // A gauge's readings in one window are one episode of a slow-moving state, not independent
  // draws: the window reaching a level is one event, news when the history was there rarely.
  const scale = robustScale(history, median(history));
  const beyond =
    change.z >= 0
      ? (secondLargest(fault) - quantile(history, 1 - knownLevelChance)) / scale
      : (quantile(history, knownLevelChance) + secondLargest(fault.map((v) => -v))) / scale;
  const z = Math.max(0, beyond);
  return z < Math.abs(change.z) ? { z: Math.sign(change.z) * z, delta: change.delta } : change;
}

/** A latency series is anomalous if either its median-ish (mean) or its tail (p95) grew. */
function latencyChange(
  red: RedSeries,
  baselineBuckets: number,
  history?: LatencyHistory[string],
): RobustChange {
  const p95 = changeBeyondHistory(red.p95Ms, baselineBuckets, history?.p95Ms);
  const avg = changeBeyondHistory(red.meanMs, baselineBuckets, history?.meanMs);
  return p95.z >= avg.z ? p95 : avg;
}

const gapFloor = (): number => 0.1;

/**
 * An edge's gap stands out when it changed this many times the window's lower-quartile edge:
 * most edges are not at fault, and a window of few edges may have most of them gapped.
 */
const gapStandOut = 3;

/** Another edge shows the same cause when its gap changed at least this share as much. */
const gapAlike = 0.25;

/**
 * Which end of each call edge its gap belongs to. The gap (the caller's wait beyond the callee's
 * own time) grows on the callee's side when its network is slow, and on the caller's when the
 * caller is starved (a saturated CPU delays sending and reading alike); either way the service
 * at fault shows it on its other edges too, by a like amount. So an edge's gap goes to the end
 * whose other edges' gaps also changed alike and stand out from the window's edges at large.
 * Alike is by z and, when given, by amount (`excessMs`: how far each gap went past its
 * baseline, in ms): a gap that is a steady 3 ms stands out at a 4 ms rise, which is no share of
 * a callee's 600 ms (issue #20, a CPU-starved callee's one caller). When neither end's do, it
 * goes to the callee, unless the caller waited (its gap stands out) while other callers
 * reached the callee in the window (`seen`: their gap was measured there) and none of them
 * waited: a callee's slow network delays every caller, so the one caller that waits is where
 * the delay is. Given each edge's gaps over the fault window (`faultGaps`, by bucket), only
 * calls made while the caller waited count, and one of them as long counts as waiting: a delay
 * that began mid-window says nothing of the calls before it.
 */
export function gapSides(
  edges: readonly { caller: string; callee: string }[],
  gapZ: readonly number[],
  seen: readonly boolean[] = edges.map(() => true),
  faultGaps?: readonly Series[],
  excessMs?: readonly number[],
): string[] {
  const quiet = quantile(
    gapZ.map((z) => Math.max(0, z)),
    0.25,
  );
  const floor = Math.max(3, gapStandOut * quiet);
  const support = (service: string, except: number) => {
    const alike = Math.max(floor, gapAlike * (gapZ[except] ?? 0));
    const alikeMs = gapAlike * (excessMs?.[except] ?? 0);
    let best = 0;
    edges.forEach((e, k) => {
      const z = gapZ[k] ?? 0;
      const ms = excessMs?.[k] ?? Infinity;
      const near = e.caller === service || e.callee === service;
      if (k !== except && near && z >= alike && ms >= alikeMs) {
        best = Math.max(best, z);
      }
    });
    return best;
  };
  const otherCallersWaitedNot = (callee: string, except: number) => {
    const waiting = waitingBuckets(faultGaps?.[except]);
    const others = edges.flatMap((e, k) =>
      k !== except && seen[k] && e.callee === callee && calledWhile(faultGaps?.[k], waiting)
        ? [k]
        : [],
    );
    return (
      others.length > 0 &&
      others.every(
        (k) => (gapZ[k] ?? 0) < floor && !waitedAlike(faultGaps?.[k], faultGaps?.[except], waiting),
      )
    );
  };
  return edges.map((e, k) => {
    const caller = support(e.caller, k);
    const callee = support(e.callee, k);
    if (caller > callee) return e.caller;
    const waited = (gapZ[k] ?? 0) >= floor;
    return waited && callee === 0 && otherCallersWaitedNot(e.callee, k) ? e.caller : e.callee;
  });
}

/**
 * How far a series' fault buckets went past its baseline's median, in its own unit: the bucket
 * `robustChange` scores (the second worst), so one stray call is not the amount.
 */
function excessOver(values: Series, baselineBuckets: number): number {
  const base = present(values.slice(0, baselineBuckets));
  const fault = present(values.slice(baselineBuckets));
  return base.length && fault.length ? secondLargest(fault) - median(base) : 0;
}

/** The fault buckets where an edge's gap was near its worst: while the delay was on. */
function waitingBuckets(gaps: Series | undefined): number[] | undefined {
  if (!gaps) return undefined;
  const worst = Math.max(0, ...present(gaps));
  return gaps.flatMap((g, b) => (g !== null && g >= gapAlike * worst ? [b] : []));
}

/** Whether an edge had calls in any of `waiting`'s buckets (all of them when unknown). */
function calledWhile(gaps: Series | undefined, waiting: number[] | undefined): boolean {
  return !gaps || !waiting || waiting.some((b) => gaps[b] !== null && gaps[b] !== undefined);
}

/** Whether an edge waited, in a bucket where `waitedEdge` waited, a like share as long. */
function waitedAlike(
  gaps: Series | undefined,
  waitedEdge: Series | undefined,
  waiting: number[] | undefined,
): boolean {
  if (!gaps || !waitedEdge || !waiting) return false;
  return waiting.some((b) => (gaps[b] ?? 0) >= gapAlike * (waitedEdge[b] ?? 0));
}

/**
 * Scores every series in the evidence, whatever its name, with the same robust change
 * statistic. Latency, errors, gaps and unanswered calls count only when they get worse;
 * metrics of unknown meaning count in both directions.
 */
export function scoreSeries(evidence: Evidence): ScoredSeries[] {
  const nb = evidence.baselineBuckets;
  const out: ScoredSeries[] = [];
  const instrumented = new Set(evidence.operations.map((o) => o.service));
  for (const op of evidence.operations) {
    const lat = latencyChange(
      op.red,
      nb,
      evidence.latencyHistory?.[operationKey(op.service, op.operation)],
    );
    const err = rateChange(op.red.errors, op.red.calls, nb);
    const base = { service: op.service, operation: op.operation };
    out.push({ ...base, name: `latency ${op.operation}`, family: 'latency', ...lat });
    out.push({ ...base, name: `error rate ${op.operation}`, family: 'errors', ...err });
  }
  const gaps = evidence.edges.map((edge) => robustChange(edge.gapMs, nb, gapFloor));
  const sides = gapSides(
    evidence.edges,
    gaps.map((g) => g.z),
    evidence.edges.map((edge) => measurable(edge.gapMs, nb)),
    evidence.edges.map((edge) => edge.gapMs.slice(nb)),
    evidence.edges.map((edge) => excessOver(edge.gapMs, nb)),
  );
  evidence.edges.forEach((edge, k) => {
    const via = `${edge.caller}→${edge.callee}`;
    const base = { service: edge.callee };
    // The caller's wait, and the client latency it adds to, belong to the gap's side.
    const side = { service: sides[k] ?? edge.callee };
    out.push({
      ...side,
      name: `client latency ${via}`,
      family: 'clientLatency',
      ...latencyChange(edge.client, nb),
    });
    out.push({
      ...base,
      name: `client error rate ${via}`,
      family: 'clientErrors',
      ...rateChange(edge.client.errors, edge.client.calls, nb),
    });
    out.push({ ...side, name: `network gap ${via}`, family: 'gap', ...gaps[k]! });
    for (const [instance, gap] of Object.entries(edge.gapMsByInstance)) {
      out.push({
        ...side,
        name: `network gap ${via}@${instance}`,
        family: 'gap',
        ...robustChange(gap, nb, gapFloor),
      });
    }
    if (instrumented.has(edge.callee)) {
      out.push({
        ...base,
        name: `unanswered calls ${via}`,
        family: 'unanswered',
        ...rateChange(edge.unanswered, edge.client.calls, nb),
      });
    }
  });
  for (const m of evidence.metrics) {
    const change = metricBeyondHistory(
      m.values,
      nb,
      evidence.metricHistory?.[metricKey(m)],
      m.held,
    );
    out.push({
      service: m.service,
      name: `${m.name}@${m.instance}`,
      family: 'metric',
      z: Math.abs(change.z),
      delta: change.delta,
    });
  }
  return out;
}

/** Per service: the strongest z in each family (0 when absent). */
export type FamilyMaxima = Record<SignalFamily, number>;

export function familyMaxima(evidence: Evidence, scored: readonly ScoredSeries[]) {
  const maxima = new Map<string, FamilyMaxima>();
  for (const service of evidence.services) {
    maxima.set(service, Object.fromEntries(signalFamilies.map((f) => [f, 0])) as FamilyMaxima);
  }
  for (const s of scored) {
    const m = maxima.get(s.service);
    if (m && s.z > m[s.family]) m[s.family] = s.z;
  }
  return maxima;
}
