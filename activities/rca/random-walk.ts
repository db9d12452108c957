import { byScore, type RcaMethod, type RootCauseCandidate } from './candidate';
import type { Evidence } from './evidence';
import { serviceGraph } from './graph';
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
 * when it is more anomalous than everything it calls. Restarts favour anomalous services.
 * Visit frequency ranks the root causes.
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
    const transitions = graph.services.map((_, i) => {
      const out = new Map<number, number>();
      let maxCallee = 0;
      for (const j of graph.callees[i] ?? []) {
        out.set(j, (out.get(j) ?? 0) + (a[j] ?? 0));
        maxCallee = Math.max(maxCallee, a[j] ?? 0);
      }
      for (const k of graph.callers[i] ?? [])
        out.set(k, (out.get(k) ?? 0) + backward * (a[k] ?? 0));
      out.set(i, (out.get(i) ?? 0) + Math.max(0, (a[i] ?? 0) - maxCallee));
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
    return byScore(
      graph.services.map((service, i) => ({
        service,
        kind: kindOfService(
          byService.get(service) ?? [],
          graph.instrumented[i] ?? false,
          strongest[i]?.family ?? 'latency',
        ),
        score: p[i] ?? 0,
        evidence: {},
      })),
    );
  },
};
