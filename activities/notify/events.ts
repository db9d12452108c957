import type { IncidentState, Severity } from '../../workflows/incident/types';

/** What the generic webhook receives for each change of an incident's status. */
export interface IncidentEvent {
  /** Unique per incident and event: receivers drop a redelivery by it. */
  id: string;
  type: `incident.${IncidentState['status']}`;
  incident: {
    incidentId: string;
    fingerprint: string;
    service: string;
    services: string[];
    status: IncidentState['status'];
    severity: Severity;
    openedAt: string;
    lastAnomalyAt: string;
    anomalyCount: number;
    summary?: string;
    rootCause?: IncidentState['rootCause'];
    runbook?: string;
    resolution?: string;
  };
}

export function incidentEvent(state: IncidentState): IncidentEvent {
  return {
    id: `${state.incidentId}:${state.status}`,
    type: `incident.${state.status}`,
    incident: {
      incidentId: state.incidentId,
      fingerprint: state.fingerprint,
      service: state.service,
      services: state.services,
      status: state.status,
      severity: state.severity,
      openedAt: state.openedAt,
      lastAnomalyAt: state.lastAnomalyAt,
      anomalyCount: state.anomalyCount,
      ...(state.summary === undefined ? {} : { summary: state.summary }),
      ...(state.rootCause === undefined ? {} : { rootCause: state.rootCause }),
      ...(state.runbook === undefined ? {} : { runbook: state.runbook }),
      ...(state.resolution === undefined ? {} : { resolution: state.resolution }),
    },
  };
}

export type PagerDutyAction = 'trigger' | 'acknowledge' | 'resolve';

/**
 * The PagerDuty action an incident's status calls for: open pages; the engine remediating is
 * someone on it (acknowledge; awaiting approval is not: a person must still answer, so the page
 * keeps escalating); resolved or closed resolves.
 */
export function pagerDutyAction(status: IncidentState['status']): PagerDutyAction | undefined {
  if (status === 'open' || status === 'investigating') return 'trigger';
  if (status === 'remediating') return 'acknowledge';
  if (status === 'resolved' || status === 'closed') return 'resolve';
  return undefined;
}

const pagerDutySeverity: Record<Severity, string> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
};

/** An Events API v2 event without its routing key (added at sending: a secret, never stored). */
export function pagerDutyEvent(state: IncidentState, action: PagerDutyAction) {
  const base = { event_action: action, dedup_key: state.incidentId, client: 'aiops-engine' };
  if (action !== 'trigger') return base;
  const summary = `${state.severity} incident on ${state.service}${
    state.services.length > 1
      ? ` (also ${state.services.filter((s) => s !== state.service).join(', ')})`
      : ''
  }`;
  return {
    ...base,
    payload: {
      summary: summary.slice(0, 1024),
      source: state.service,
      severity: pagerDutySeverity[state.severity],
      timestamp: state.openedAt,
      component: state.service,
      group: state.fingerprint,
      class: [...new Set(state.topAnomalies.map((a) => a.signal))].join(',') || 'anomaly',
      custom_details: {
        incident_id: state.incidentId,
        services: state.services,
        anomalies: state.anomalyCount,
        top_anomalies: state.topAnomalies.slice(0, 5).map((a) => ({
          series: a.seriesKey,
          signal: a.signal,
          score: a.score,
          at: a.at,
        })),
      },
    },
  };
}
