import type { ServiceCall, Symptom } from './types';

/**
 * How alike two incidents are, from what they touched and what they showed:
 *   - the affected subgraph: affected services plus the CALLS edges among them (Jaccard);
 *   - the symptom signature: the set of service × signal pairs (Jaccard);
 *   - the root-cause service: the same one or not (only when the query names one).
 * Weighted and normalised to [0, 1]. Pure, so it is tested without a database.
 */
export const similarityWeights = { subgraph: 0.4, symptoms: 0.3, rootCause: 0.3 } as const;

export interface IncidentShape {
  services: readonly string[];
  symptoms: readonly string[];
  rootCauseService?: string;
}

export function symptomKey(s: Symptom): string {
  return `${s.service}/${s.signal}`;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Affected services and the calls among them, as one set of element keys. */
export function affectedSubgraph(
  services: readonly string[],
  calls: readonly ServiceCall[],
): Set<string> {
  const nodes = new Set(services);
  const elements = new Set(services);
  for (const c of calls) {
    if (nodes.has(c.caller) && nodes.has(c.callee)) elements.add(`${c.caller}->${c.callee}`);
  }
  return elements;
}

export function similarity(
  query: IncidentShape,
  candidate: IncidentShape,
  calls: readonly ServiceCall[],
): number {
  const w = similarityWeights;
  const subgraph = jaccard(
    affectedSubgraph(query.services, calls),
    affectedSubgraph(candidate.services, calls),
  );
  const symptoms = jaccard(new Set(query.symptoms), new Set(candidate.symptoms));
  if (query.rootCauseService === undefined) {
    return (w.subgraph * subgraph + w.symptoms * symptoms) / (w.subgraph + w.symptoms);
  }
  const rootCause = candidate.rootCauseService === query.rootCauseService ? 1 : 0;
  return w.subgraph * subgraph + w.symptoms * symptoms + w.rootCause * rootCause;
}
