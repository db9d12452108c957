import { maxSeverity, severityOf } from './severity';
import type { IncidentCandidate, IncidentState } from './types';

/** How many anomalies the state keeps for display: the state travels in every history event. */
export const topAnomalyLimit = 10;

export function openIncident(
  incidentId: string,
  candidate: IncidentCandidate,
  openedAt: string,
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
    anomalyCount: 0,
    topAnomalies: [],
  };
  return attachAnomalies(state, candidate);
}

const recentKeyLimit = 32;

/** Folds a repeat of the same fault into the open incident (once per report key). */
export function attachAnomalies(state: IncidentState, candidate: IncidentCandidate): IncidentState {
  const keys = state.recentCandidateKeys ?? [];
  if (candidate.key !== undefined && keys.includes(candidate.key)) return state;
  const services = [...new Set([...state.services, ...candidate.services])].sort();
  const top = [...state.topAnomalies, ...candidate.anomalies]
    .sort((a, b) => b.score - a.score || a.seriesKey.localeCompare(b.seriesKey))
    .filter((a, i, all) => all.findIndex((b) => b.seriesKey === a.seriesKey) === i)
    .slice(0, topAnomalyLimit);
  const lastAnomalyAt =
    [state.lastAnomalyAt, candidate.observedAt].sort().at(-1) ?? state.lastAnomalyAt;
  return {
    ...state,
    services,
    topAnomalies: top,
    anomalyCount: state.anomalyCount + candidate.anomalies.length,
    lastAnomalyAt,
    ...(candidate.key === undefined
      ? {}
      : { recentCandidateKeys: [...keys, candidate.key].slice(-recentKeyLimit) }),
    severity: maxSeverity(state.severity, severityOf(candidate.anomalies, services.length)),
  };
}
