import { byScore, type RcaMethod, type RootCauseCandidate } from './candidate';
import type { Evidence } from './evidence';
import { serviceGraph } from './graph';
import { kindOfFamily, kindSeries, scoreSeries, type ScoredSeries } from './signals';

/**
 * BARO-style robust change ranking: every series received (latency, errors, gaps, and any
 * metric whatever its name) is scaled by its baseline median/IQR; a service ranks by its
 * most changed series. No graph, no model: strong when the root's own signals move most.
 */
export const baro: RcaMethod = {
  name: 'baro',
  rank(evidence: Evidence): RootCauseCandidate[] {
    const graph = serviceGraph(evidence);
    const byService = new Map<string, ScoredSeries[]>();
    for (const s of scoreSeries(evidence)) {
      let list = byService.get(s.service);
      if (!list) byService.set(s.service, (list = []));
      list.push(s);
    }
    return byScore(
      graph.services.map((service, i) => {
        const series = (byService.get(service) ?? []).sort((a, b) => b.z - a.z);
        const top = series[0];
        const telling = kindSeries(series);
        return {
          service,
          operation: top?.operation,
          kind: kindOfFamily(
            telling?.family ?? 'metric',
            graph.instrumented[i] ?? false,
            telling?.name,
          ),
          score: Math.max(0, top?.z ?? 0),
          evidence: { metricDeltas: deltas(series.slice(0, 5)) },
        };
      }),
    );
  },
};

function deltas(series: readonly ScoredSeries[]): Record<string, number> {
  return Object.fromEntries(series.map((s) => [s.name, Number(s.delta.toPrecision(4))]));
}
