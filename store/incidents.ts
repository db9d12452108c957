import type { IncidentState } from '../workflows/incident/types';
import type { Pool } from './db';
import { rowBoundLimit, withinRowBound } from './query-bounds';

/**
 * Upsert by incident id: replaying the same state twice leaves one identical row. `tenants`:
 * the tenants whose authenticated telemetry names one of the incident's services.
 */
export async function upsertIncident(pool: Pool, s: IncidentState): Promise<void> {
  await pool.query(
    `INSERT INTO incident (incident_id, fingerprint, service, services, status, severity, opened_at,
       last_anomaly_at, anomaly_count, root_cause, runbook, resolution, top_anomalies, updated_at,
       tenants)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now(),
       (SELECT coalesce(array_agg(DISTINCT tenant ORDER BY tenant), '{}') FROM telemetry_sources
         WHERE tenant IS NOT NULL AND resource->>'service.name' = ANY($4)))
     ON CONFLICT (incident_id) DO UPDATE SET
       tenants = EXCLUDED.tenants,
       services = EXCLUDED.services, status = EXCLUDED.status, severity = EXCLUDED.severity,
       last_anomaly_at = EXCLUDED.last_anomaly_at, anomaly_count = EXCLUDED.anomaly_count,
       root_cause = EXCLUDED.root_cause, runbook = EXCLUDED.runbook,
       resolution = EXCLUDED.resolution, top_anomalies = EXCLUDED.top_anomalies, updated_at = now()`,
    [
      s.incidentId,
      s.fingerprint,
      s.service,
      s.services,
      s.status,
      s.severity,
      s.openedAt,
      s.lastAnomalyAt,
      s.anomalyCount,
      s.rootCause ? JSON.stringify(s.rootCause) : null,
      s.runbook ?? null,
      s.resolution ?? null,
      JSON.stringify(s.topAnomalies),
    ],
  );
}

export interface OpenIncident {
  incidentId: string;
  fingerprint: string;
  service: string;
  services: string[];
  /** Epoch ms. */
  openedAt: number;
}

/** Incidents not yet resolved or closed: detection attaches new anomalies of their services. */
export async function openIncidents(pool: Pool): Promise<OpenIncident[]> {
  const { rows } = await pool.query<{
    incident_id: string;
    fingerprint: string;
    service: string;
    services: string[];
    opened_at: Date;
  }>(
    `SELECT incident_id, fingerprint, service, services, opened_at FROM incident
     WHERE status NOT IN ('resolved', 'closed') ${rowBoundLimit}`,
  );
  return withinRowBound(rows, 'open incidents').map((r) => ({
    incidentId: r.incident_id,
    fingerprint: r.fingerprint,
    service: r.service,
    services: r.services,
    openedAt: r.opened_at.getTime(),
  }));
}

/** The lead before an incident's first anomaly and the tail after its last (`incidentPeriods`). */
export const incidentMargins = { leadMs: 60_000, tailMs: 120_000 };

/**
 * When other incidents were going on within [from, to): from a lead before the earlier of its
 * first anomaly and its opening (its cause came first; the same lead its own investigation
 * takes, and an incident opens only once its anomalies persisted) to a tail after its last
 * anomaly (a fault can outlast its anomalies, e.g. a new log template counts once, and recovery
 * takes a moment), with the services each involved.
 */
export async function incidentPeriods(
  pool: Pool,
  range: { from: Date; to: Date; exceptIncidentId?: string },
  margins = incidentMargins,
): Promise<{ from: number; to: number; lastAnomalyAt: number; services: string[] }[]> {
  const { rows } = await pool.query<{ began_at: Date; last_anomaly_at: Date; services: string[] }>(
    `SELECT began_at, last_anomaly_at, services FROM (
       SELECT incident_id, last_anomaly_at, services, least(opened_at,
         (SELECT min((a->>'at')::timestamptz) FROM jsonb_array_elements(top_anomalies) a)) AS began_at
       FROM incident) i
     WHERE began_at - $3 * interval '1 millisecond' < $2
       AND last_anomaly_at + $4 * interval '1 millisecond' > $1
       AND incident_id IS DISTINCT FROM $5 ${rowBoundLimit}`,
    [range.from, range.to, margins.leadMs, margins.tailMs, range.exceptIncidentId ?? null],
  );
  return withinRowBound(rows, 'incident periods').map((r) => ({
    from: r.began_at.getTime() - margins.leadMs,
    to: r.last_anomaly_at.getTime() + margins.tailMs,
    lastAnomalyAt: r.last_anomaly_at.getTime(),
    services: r.services,
  }));
}
