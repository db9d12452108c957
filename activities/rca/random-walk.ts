import { byScore, type RcaMethod, type RootCauseCandidate } from './candidate';
import type { Evidence } from './evidence';
import { serviceGraph, type ServiceGraph } from './graph';
import {
  familyMaxima,
  kindOfService,
  scoreSeries,
  seriesByService,
  signalFamilies,
} from './signals';

/**
 * Personalised random walk over the anomaly-weighted dependency graph (MicroCause /
 * CloudRanger family). A walker standing on a symptomatic service moves to its callees in
 * proportion to how anomalous they are, backtracks to callers with a small weight, and stays
 * when it is more anomalous than everything it calls (MonitorRank's self-edge: Kim, Sumbaly,
 * Shah, SIGMETRICS 2013). Restarts favour anomalous services.
 *
 * A service ranks by its visits over the visits its place in the graph brings: those of the same
 * walk with every service equally anomalous and every service keeping the walker by its own
 * anomaly. A hub is reached from all its callers whatever is anomalous; that inflow is divided
 * out. Keeping the walker is not: in the prior every service keeps it alike, so a database that
 * keeps the walker because nothing it calls is more anomalous still ranks first.
 */

const restart = 0.15;
const backward = 0.3;
const iterations = 60;

export const randomWalk: RcaMethod = {
  name: 'random-walk',
  rank(evidence: Evidence): RootCauseCandidate[] {
    const graph = serviceGraph(evidence);
    const scored = scoreSeries(evidence);
    const maxima = familyMaxima(evidence, scored);
    const byService = seriesByService(scored);
    const n = graph.services.length;
    const strongest = graph.services.map((s) => {
      const m = maxima.get(s);
      let family = signalFamilies[0] ?? 'latency';
      for (const f of signalFamilies) if (m && m[f] > m[family]) family = f;
      return { family, z: Math.max(0, m?.[family] ?? 0) };
    });
    // Squash robust z into (0, 1): beyond ~10 sigmas every anomaly is simply "very anomalous".
    const a = strongest.map(({ z }) => z / (z + 10));
    const visits = walkVisits(graph, a, keepsByExcess);
    const prior = walkVisits(
      graph,
      a.map(() => 1),
      keepsByOwn,
    );
    const lift = visits.map((v, i) => v / (prior[i] ?? 1));
    const sumLift = lift.reduce((s, x) => s + x, 0);
    return byScore(
      graph.services.map((service, i) => ({
        service,
        kind: kindOfService(
          byService.get(service) ?? [],
          graph.instrumented[i] ?? false,
          strongest[i]?.family ?? 'latency',
        ),
        // Normalised to sum 1, as the visit shares were (the GNN reads them scaled by n).
        score: sumLift > 0 ? (lift[i] ?? 0) / sumLift : 1 / n,
        evidence: {},
      })),
    );
  },
};

/** How much a service anomalous by `own` keeps the walker, its callees' strongest being `maxCallee`. */
type Keeping = (own: number, maxCallee: number) => number;
const keepsByExcess: Keeping = (own, maxCallee) => Math.max(0, own - maxCallee);
const keepsByOwn: Keeping = (own) => own;

/** Stationary visit shares of the walk on `graph` whose services are anomalous by `a` (0..1). */
function walkVisits(graph: ServiceGraph, a: readonly number[], keeps: Keeping): number[] {
  const n = graph.services.length;
  const transitions = graph.services.map((_, i) => {
    const out = new Map<number, number>();
    let maxCallee = 0;
    for (const j of graph.callees[i] ?? []) {
      out.set(j, (out.get(j) ?? 0) + (a[j] ?? 0));
      maxCallee = Math.max(maxCallee, a[j] ?? 0);
    }
    for (const k of graph.callers[i] ?? []) out.set(k, (out.get(k) ?? 0) + backward * (a[k] ?? 0));
    out.set(i, (out.get(i) ?? 0) + keeps(a[i] ?? 0, maxCallee));
    const total = [...out.values()].reduce((s, x) => s + x, 0);
    if (total <= 0) return new Map([[i, 1]]);
    for (const [j, w] of out) out.set(j, w / total);
    return out;
  });
  const sumA = a.reduce((s, x) => s + x, 0);
  const preference = a.map((x) => (sumA > 0 ? x / sumA : 1 / n));
  let p = [...preference];
  for (let it = 0; it < iterations; it++) {
    const next = preference.map((v) => restart * v);
    transitions.forEach((out, i) => {
      const mass = (1 - restart) * (p[i] ?? 0);
      for (const [j, w] of out) next[j] = (next[j] ?? 0) + mass * w;
    });
    p = next;
  }
  return p;
}
