import { byScore, type RcaMethod, type RootCauseCandidate } from './candidate';
import type { Evidence } from './evidence';
import { serviceGraph } from './graph';
import { kindOfService, scoreSeries, seriesByService, type ScoredSeries } from './signals';

/**
 * BARO-style robust change ranking: every series received (latency, errors, gaps, and any
 * metric whatever its name) is scaled by its baseline median/IQR; a service ranks by its
 * most changed series. No graph, no model: strong when the root's own signals move most.
 */
export const baro: RcaMethod = {
  name: 'baro',
  rank(evidence: Evidence): RootCauseCandidate[] {
    const graph = serviceGraph(evidence);
    const byService = seriesByService(scoreSeries(evidence));
    return byScore(
      graph.services.map((service, i) => {
        const series = byService.get(service) ?? [];
        const top = series[0];
        return {
          service,
          operation: top?.operation,
          kind: kindOfService(series, graph.instrumented[i] ?? false, 'metric'),
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
