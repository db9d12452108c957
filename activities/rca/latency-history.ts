import type { OperationLatencyLevel } from '../../store/latency-history';

export type { OperationLatencyLevel };

/**
 * What each operation's latency looked like over the longer history before the baseline (the
 * store's hour before, say), as the per-bucket levels the rollups keep. A level the service
 * already had there is not this fault's change, even when the short baseline never saw it.
 * `operationKey(service, operation)` → the history's non-empty bucket levels, oldest first.
 */
export type LatencyHistory = Record<string, { meanMs: number[]; p95Ms: number[] }>;

export const operationKey = (service: string, operation: string) => `${service}\u0000${operation}`;

export function latencyHistory(levels: readonly OperationLatencyLevel[]): LatencyHistory {
  const out: LatencyHistory = {};
  for (const l of levels) {
    const h = (out[operationKey(l.service, l.operation)] ??= { meanMs: [], p95Ms: [] });
    if (l.meanMs !== null) h.meanMs.push(l.meanMs);
    if (l.p95Ms !== null) h.p95Ms.push(l.p95Ms);
  }
  return out;
}
