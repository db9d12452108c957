import { byScore, type CandidateKind, type RcaMethod, type RootCauseCandidate } from './candidate';
import type { Evidence, RedSeries, Series } from './evidence';
import { serviceGraph, type ServiceGraph } from './graph';
import { filled, mean, median, ridge, secondLargest } from './stats';
import { isMetricKind, metricKind } from './signals';

/**
 * CIRCA-style structural hypothesis testing (Li et al., KDD '22). The structural graph has,
 * per service, a latency and an error-rate variable plus one variable per metric name. A
 * service's latency is caused by its callees' latencies and its own resource metrics; its
 * error rate by its callees' error rates. Each variable is regressed on its parents over the
 * baseline; in the fault window the standardised residual is the evidence that the variable
 * itself was intervened on. Descendant adjustment then adds the strongest anomalous effect.
 */

interface Variable {
  service: string;
  name: string;
  kind: CandidateKind;
  series: number[];
  raw: Series;
  parents: number[];
  children: number[];
  /** Latency and errors only matter when they get worse; metrics in either direction. */
  oneSided: boolean;
  /** Smallest residual scale: the noise a variable has even when its baseline looks flat. */
  floor: number;
  score: number;
}

/** Residuals beyond this many sigmas count as anomalous (stricter than 3σ: 12 fault buckets). */
const threshold = 5;
const lambda = 1;

export const circa: RcaMethod = {
  name: 'circa',
  rank(evidence: Evidence): RootCauseCandidate[] {
    const graph = serviceGraph(evidence);
    const vars = structuralGraph(evidence, graph);
    const nb = evidence.baselineBuckets;
    for (const v of vars) v.score = hypothesisTest(v, vars, nb);
    const adjusted = descendantAdjustment(vars);
    return byScore(
      graph.services.map((service) => {
        const own = vars
          .map((v, i) => ({ v, score: adjusted[i] ?? 0 }))
          .filter((x) => x.v.service === service)
          .sort((a, b) => b.score - a.score);
        const top = own[0];
        // A metric that fell is a consequence (see kindOfService): the next variable decides.
        const telling = own.find(({ v }) => !isMetricKind(v.kind) || delta(v.raw, nb) > 0) ?? top;
        return {
          service,
          kind: telling?.v.kind ?? 'latency',
          score: top?.score ?? 0,
          evidence: {
            metricDeltas: Object.fromEntries(
              own.slice(0, 3).map(({ v }) => [v.name, Number(delta(v.raw, nb).toPrecision(4))]),
            ),
          },
        };
      }),
    );
  },
};

function delta(raw: Series, nb: number): number {
  const base = raw.slice(0, nb).filter((x): x is number => x !== null);
  const fault = raw.slice(nb).filter((x): x is number => x !== null);
  return base.length && fault.length ? median(fault) - median(base) : 0;
}

/** Calls-weighted mean latency and pooled error rate over several RED series. */
function pooled(
  reds: readonly RedSeries[],
  buckets: number,
  nb: number,
): { latency: Series; errors: Series; errorFloor: number } {
  const latency: Series = [];
  const errors: Series = [];
  let baseCalls = 0;
  let baseErrors = 0;
  for (let b = 0; b < buckets; b++) {
    let calls = 0;
    let errs = 0;
    let weighted = 0;
    for (const red of reds) {
      const n = red.calls[b] ?? 0;
      calls += n;
      errs += red.errors[b] ?? 0;
      weighted += n * (red.meanMs[b] ?? 0);
    }
    latency.push(calls ? weighted / calls : null);
    errors.push(calls ? errs / calls : null);
    if (b < nb) {
      baseCalls += calls;
      baseErrors += errs;
    }
  }
  // Binomial noise of one bucket's error rate at the baseline rate.
  const p = (baseErrors + 0.5) / (baseCalls + 1);
  const errorFloor = Math.max(Math.sqrt((p * (1 - p) * nb) / Math.max(1, baseCalls)), 0.005);
  return { latency, errors, errorFloor };
}

function structuralGraph(evidence: Evidence, graph: ServiceGraph): Variable[] {
  const vars: Variable[] = [];
  const nb = evidence.baselineBuckets;
  const add = (
    v: Omit<Variable, 'series' | 'parents' | 'children' | 'score' | 'floor'>,
    floor?: number,
  ): number => {
    const series = filled(v.raw);
    const level = Math.abs(mean(series.slice(0, nb)));
    vars.push({ ...v, series, parents: [], children: [], score: 0, floor: floor ?? 0.02 * level });
    return vars.length - 1;
  };
  const latencyVar: number[] = [];
  const errorVar: number[] = [];
  const metricVars: number[][] = [];
  graph.services.forEach((service, i) => {
    // What callers experience (client side) includes the network into the service; the
    // entry service has no callers, so its own server spans stand in.
    const incoming = evidence.edges.filter((e) => e.callee === service).map((e) => e.client);
    const reds = incoming.length
      ? incoming
      : evidence.operations.filter((o) => o.service === service).map((o) => o.red);
    const { latency, errors, errorFloor } = pooled(reds, evidence.bucketCount, nb);
    latencyVar[i] = add({
      service,
      name: `latency ${service}`,
      kind: 'latency',
      raw: latency,
      oneSided: true,
    });
    errorVar[i] = add(
      { service, name: `error rate ${service}`, kind: 'errors', raw: errors, oneSided: true },
      errorFloor,
    );
    const byName = new Map<string, Series[]>();
    for (const m of evidence.metrics) {
      if (m.service !== service) continue;
      let list = byName.get(m.name);
      if (!list) byName.set(m.name, (list = []));
      list.push(m.values);
    }
    metricVars[i] = [...byName].map(([name, series]) =>
      add({ service, name, kind: metricKind(name), raw: meanAcross(series), oneSided: false }),
    );
  });
  const link = (parent: number | undefined, child: number | undefined): void => {
    if (parent === undefined || child === undefined) return;
    vars[child]?.parents.push(parent);
    vars[parent]?.children.push(child);
  };
  graph.services.forEach((_, i) => {
    for (const c of graph.callees[i] ?? []) {
      link(latencyVar[c], latencyVar[i]);
      link(errorVar[c], errorVar[i]);
    }
    for (const m of metricVars[i] ?? []) link(m, latencyVar[i]);
  });
  return vars;
}

function meanAcross(series: readonly Series[]): Series {
  const length = series[0]?.length ?? 0;
  return Array.from({ length }, (_, b) => {
    const values = series
      .map((s) => s[b])
      .filter((x): x is number => x !== null && x !== undefined);
    return values.length ? mean(values) : null;
  });
}

/** Regression-based hypothesis test: how far the fault window leaves what the parents explain. */
function hypothesisTest(v: Variable, vars: readonly Variable[], nb: number): number {
  const rows = v.series.map((_, b) => v.parents.map((p) => vars[p]?.series[b] ?? 0));
  const predict = ridge(rows.slice(0, nb), v.series.slice(0, nb), lambda);
  const residuals = v.series.map((y, b) => y - predict(rows[b] ?? []));
  const train = residuals.slice(0, nb);
  const mu = mean(train);
  const sd = Math.sqrt(mean(train.map((r) => (r - mu) ** 2)));
  // In-sample residuals understate the noise when there are many parents.
  const dof = Math.max(nb / 4, nb - v.parents.length / (1 + lambda));
  const scale = Math.max(sd * Math.sqrt(nb / dof), v.floor, 1e-9);
  const z = residuals.slice(nb).map((r) => (r - mu) / scale);
  return v.oneSided ? Math.max(0, secondLargest(z)) : secondLargest(z.map(Math.abs));
}

/** CIRCA's descendant adjustment: an anomalous cause also explains anomalous effects. */
function descendantAdjustment(vars: readonly Variable[]): number[] {
  const memo = new Map<number, number>();
  // Strongest score among descendants, looking through non-anomalous children.
  const childScore = (i: number, seen: Set<number>): number => {
    const cached = memo.get(i);
    if (cached !== undefined) return cached;
    let best = 0;
    for (const c of vars[i]?.children ?? []) {
      if (seen.has(c)) continue;
      seen.add(c);
      const s = vars[c]?.score ?? 0;
      best = Math.max(best, s, s < threshold ? childScore(c, seen) : 0);
    }
    memo.set(i, best);
    return best;
  };
  return vars.map((v, i) =>
    v.score >= threshold ? v.score + childScore(i, new Set([i])) : v.score,
  );
}
