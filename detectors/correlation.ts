import type { Anomaly, IncidentCandidate } from '../workflows/incident/types';

/** A directed call edge between services (caller → callee) seen in traces. */
export interface ServiceEdge {
  caller: string;
  callee: string;
}

export interface OpenIncidentRef {
  fingerprint: string;
  /** The service the incident blames. */
  service: string;
  services: string[];
}

/**
 * Groups one detection pass's anomalies into faults. Anomalous services connected in the call
 * graph are one fault (a slow database makes its callers slow too: one incident, not one per
 * caller). The group's culprit is its deepest service: one whose callees are all healthy.
 * A group attaches to an open incident when one blames what the other is about (the group's
 * culprit is among the incident's services, or the incident's service is in the group), so
 * repeats never open another, while a new fault behind a shared caller (every fault makes
 * the frontend slow) still opens its own.
 */
export function correlateAnomalies(
  anomalies: Anomaly[],
  edges: ServiceEdge[],
  open: OpenIncidentRef[],
  observedAt: string,
  /** A new incident needs this many anomalies; one stray point attaches but never opens. */
  minAnomaliesToOpen = 2,
): IncidentCandidate[] {
  const byService = new Map<string, Anomaly[]>();
  for (const a of anomalies) {
    const list = byService.get(a.service) ?? [];
    list.push(a);
    byService.set(a.service, list);
  }
  const anomalous = new Set(byService.keys());
  const neighbours = new Map<string, Set<string>>();
  const anomalousCallees = new Map<string, Set<string>>();
  for (const { caller, callee } of edges) {
    if (caller === callee || !anomalous.has(caller) || !anomalous.has(callee)) continue;
    link(neighbours, caller, callee);
    link(neighbours, callee, caller);
    link(anomalousCallees, caller, callee);
  }

  const seen = new Set<string>();
  const candidates: IncidentCandidate[] = [];
  for (const start of [...anomalous].sort()) {
    if (seen.has(start)) continue;
    const group = component(start, neighbours, seen);
    const culprit = pickCulprit(group, byService, anomalousCallees);
    const attached = related(culprit, group, open);
    const groupAnomalies = group.flatMap((s) => byService.get(s) ?? []);
    const fingerprint = attached ?? fingerprintOf(culprit);
    if (!attached && groupAnomalies.length < minAnomaliesToOpen) continue;
    candidates.push({
      key: `${observedAt}|${fingerprint}|${group.join(',')}`,
      fingerprint,
      service: culprit,
      services: group,
      anomalies: groupAnomalies.sort((a, b) => b.score - a.score),
      observedAt,
    });
  }
  return candidates;
}

function link(map: Map<string, Set<string>>, from: string, to: string) {
  const set = map.get(from) ?? new Set<string>();
  set.add(to);
  map.set(from, set);
}

function component(
  start: string,
  neighbours: Map<string, Set<string>>,
  seen: Set<string>,
): string[] {
  const group: string[] = [];
  const stack = [start];
  seen.add(start);
  while (stack.length) {
    const service = stack.pop()!;
    group.push(service);
    for (const next of neighbours.get(service) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return group.sort();
}

function strongest(anomalies: Anomaly[] | undefined): number {
  return Math.max(0, ...(anomalies ?? []).map((a) => a.score));
}

function pickCulprit(
  group: string[],
  byService: Map<string, Anomaly[]>,
  anomalousCallees: Map<string, Set<string>>,
): string {
  const sinks = group.filter((s) => !anomalousCallees.get(s)?.size);
  // A cycle of anomalous services has no sink: then every member is a suspect.
  const suspects = sinks.length ? sinks : group;
  return [...suspects].sort(
    (a, b) =>
      strongest(byService.get(b)) - strongest(byService.get(a)) ||
      (byService.get(b)?.length ?? 0) - (byService.get(a)?.length ?? 0) ||
      a.localeCompare(b),
  )[0]!;
}

function related(culprit: string, group: string[], open: OpenIncidentRef[]): string | undefined {
  return open.find(
    (incident) => incident.services.includes(culprit) || group.includes(incident.service),
  )?.fingerprint;
}

/** Workflow-id safe: the fingerprint becomes part of `incident-<fingerprint>`. */
export function fingerprintOf(service: string): string {
  return service.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
}
