import { maxSeverity, severityOf } from './severity';
import type { IncidentCandidate, IncidentState } from './types';

/** How many anomalies the state keeps for display: the state travels in every history event. */
export const topAnomalyLimit = 10;

/**
 * How anomalies keep an incident open. `sustainedOnly`: only evidence that could have opened an
 * incident (not IncidentCandidate.backsOnly) restarts its quiet period; weaker anomalies (a gauge
 * still settling after its fault was cured) are folded in but would otherwise keep the incident
 * open for as long as they trickle in, and pull the next fault into it. Incidents from before
 * this rule keep the old one (every anomaly restarts it) so their histories replay.
 */
export interface KeepOpenRule {
  sustainedOnly: boolean;
}

const everyAnomalyKeepsOpen: KeepOpenRule = { sustainedOnly: false };

export function openIncident(
  incidentId: string,
  candidate: IncidentCandidate,
  openedAt: string,
  rule: KeepOpenRule = everyAnomalyKeepsOpen,
): IncidentState {
  const state: IncidentState = {
    incidentId,
    fingerprint: candidate.fingerprint,
    service: candidate.service,
    services: [],
    status: 'open',
    severity: 'low',
    openedAt,
    lastAnomalyAt: openedAt,
    ...(rule.sustainedOnly && { sustainedAt: openedAt }),
    anomalyCount: 0,
    topAnomalies: [],
  };
  return attachAnomalies(state, candidate, undefined, rule);
}

/**
 * A resolved incident whose fault came back soon after: open again, keeping its id, its opening
 * time and its diagnosis (the same fault, so one incident, not a second one for it).
 */
export function reopenIncident(resolved: IncidentState, at: string): IncidentState {
  const { resolution, ...rest } = resolved;
  return {
    ...rest,
    status: 'open',
    lastHeardAt: at,
    notes: [
      ...(resolved.notes ?? []),
      `reopened at ${at}: ${resolution ?? 'resolved'}, then its fault came back`,
    ],
  };
}

const recentKeyLimit = 32;

/**
 * Since when the incident has been quiet: its newest sustaining anomaly's bucket or, later, the
 * moment the latest report of it arrived. Detection reports a bucket 15–25 s after it ends, so
 * counting from the bucket alone would resolve an incident while its fault's next report is on
 * the way (and that report would open a second incident for the same fault).
 */
export function quietSince(state: IncidentState): number {
  return Math.max(
    Date.parse(state.sustainedAt ?? state.lastAnomalyAt),
    Date.parse(state.lastHeardAt ?? state.openedAt),
  );
}

const later = (a: string, b: string | undefined) => (b !== undefined && b > a ? b : a);

/**
 * Folds a repeat of the same fault into the open incident (once per report key); `heardAt`
 * (ISO-8601): when this report reached the incident.
 */
export function attachAnomalies(
  state: IncidentState,
  candidate: IncidentCandidate,
  heardAt?: string,
  rule: KeepOpenRule = everyAnomalyKeepsOpen,
): IncidentState {
  const keys = state.recentCandidateKeys ?? [];
  if (candidate.key !== undefined && keys.includes(candidate.key)) return state;
  const services = [...new Set([...state.services, ...candidate.services])].sort();
  const top = [...state.topAnomalies, ...candidate.anomalies]
    .sort((a, b) => b.score - a.score || a.seriesKey.localeCompare(b.seriesKey))
    .filter((a, i, all) => all.findIndex((b) => b.seriesKey === a.seriesKey) === i)
    .slice(0, topAnomalyLimit);
  const sustains = !rule.sustainedOnly || !candidate.backsOnly;
  return {
    ...state,
    services,
    topAnomalies: top,
    anomalyCount: state.anomalyCount + candidate.anomalies.length,
    lastAnomalyAt: later(state.lastAnomalyAt, candidate.observedAt),
    ...(rule.sustainedOnly && {
      sustainedAt: later(
        state.sustainedAt ?? state.openedAt,
        sustains ? candidate.observedAt : undefined,
      ),
    }),
    ...(heardAt !== undefined &&
      sustains && { lastHeardAt: later(state.lastHeardAt ?? state.openedAt, heardAt) }),
    ...(candidate.key === undefined
      ? {}
      : { recentCandidateKeys: [...keys, candidate.key].slice(-recentKeyLimit) }),
    severity: maxSeverity(state.severity, severityOf(candidate.anomalies, services.length)),
  };
}
