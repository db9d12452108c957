import type { Evidence } from './evidence';

/** The service dependency graph implied by the evidence's call edges. */
export interface ServiceGraph {
  services: string[];
  index: ReadonlyMap<string, number>;
  /** callees[i]: services that service i calls. */
  callees: number[][];
  callers: number[][];
  /** Services that emit their own SERVER spans (databases only appear as peers). */
  instrumented: boolean[];
}

export function serviceGraph(evidence: Evidence): ServiceGraph {
  const services = evidence.services;
  const index = new Map(services.map((s, i) => [s, i]));
  const callees = services.map(() => new Set<number>());
  const callers = services.map(() => new Set<number>());
  for (const edge of evidence.edges) {
    const from = index.get(edge.caller);
    const to = index.get(edge.callee);
    if (from === undefined || to === undefined || from === to) continue;
    callees[from]?.add(to);
    callers[to]?.add(from);
  }
  const instrumented = services.map(() => false);
  for (const op of evidence.operations) {
    const i = index.get(op.service);
    if (i !== undefined) instrumented[i] = true;
  }
  return {
    services,
    index,
    callees: callees.map((s) => [...s].sort((a, b) => a - b)),
    callers: callers.map((s) => [...s].sort((a, b) => a - b)),
    instrumented,
  };
}
