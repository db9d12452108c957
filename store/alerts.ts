import { withTransaction, type Pool } from './db';

/** An alert to record, with the service its labels name (undefined: no rule matched). */
export interface AlertRecord {
  tenant: string;
  source: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  service: string | undefined;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date | undefined;
  endsAt: Date | undefined;
  generatorUrl: string | undefined;
}

export type AlertOutcome = 'new' | 'refired' | 'repeat' | 'resolved' | 'stale';

/**
 * Records alerts in one transaction. A firing alert whose start is later than the stored one's,
 * or that fires after it resolved, starts a new episode; a repeat of the current one only
 * refreshes it (Alertmanager resends firing alerts every group interval); a notice about an
 * older episode than the stored one (a late retry) changes nothing.
 */
export async function recordAlerts(pool: Pool, alerts: AlertRecord[]): Promise<AlertOutcome[]> {
  return withTransaction(pool, async (client) => {
    const outcomes: AlertOutcome[] = [];
    for (const a of alerts) {
      const { rows } = await client.query<{ outcome: AlertOutcome }>(upsertSql, [
        a.tenant,
        a.fingerprint,
        a.source,
        a.labels.alertname ?? null,
        a.service ?? null,
        a.labels.severity ?? null,
        a.status,
        JSON.stringify(a.labels),
        JSON.stringify(a.annotations),
        a.generatorUrl ?? null,
        a.startsAt ?? null,
        a.endsAt ?? null,
      ]);
      outcomes.push(rows[0]?.outcome ?? 'stale');
    }
    return outcomes;
  });
}

// $11 (starts_at) may be null: the sender did not say, so a firing alert keeps its episode.
const newEpisode = `($7 = 'firing' AND (alert.status = 'resolved' OR alert.starts_at < $11))`;
const upsertSql = `
INSERT INTO alert AS alert (tenant, fingerprint, source, alertname, service, severity, status,
  labels, annotations, generator_url, starts_at, ends_at, fired_at, resolved_at, last_received_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11, now()), $12, now(),
  CASE WHEN $7 = 'resolved' THEN now() END, now())
ON CONFLICT (tenant, fingerprint) DO UPDATE SET
  source = EXCLUDED.source,
  alertname = EXCLUDED.alertname,
  service = EXCLUDED.service,
  severity = EXCLUDED.severity,
  status = EXCLUDED.status,
  labels = EXCLUDED.labels,
  annotations = EXCLUDED.annotations,
  generator_url = EXCLUDED.generator_url,
  starts_at = CASE WHEN ${newEpisode} THEN EXCLUDED.starts_at ELSE alert.starts_at END,
  ends_at = EXCLUDED.ends_at,
  episodes = alert.episodes + CASE WHEN ${newEpisode} THEN 1 ELSE 0 END,
  fired_at = CASE WHEN ${newEpisode} THEN now() ELSE alert.fired_at END,
  previous_resolved_at = CASE WHEN ${newEpisode}
    THEN COALESCE(alert.resolved_at, alert.last_received_at) ELSE alert.previous_resolved_at END,
  resolved_at = CASE
    WHEN $7 = 'resolved' THEN COALESCE(alert.resolved_at, now())
    ELSE NULL END,
  last_received_at = now()
WHERE $11 IS NULL OR alert.starts_at <= $11
RETURNING CASE
  WHEN xmax = 0 THEN CASE WHEN status = 'resolved' THEN 'resolved' ELSE 'new' END
  WHEN status = 'resolved' THEN 'resolved'
  WHEN fired_at = last_received_at AND episodes > 1 THEN 'refired'
  ELSE 'repeat' END AS outcome`;

/** A recorded alert, as the detection pass reads it. */
export interface AlertRow {
  tenant: string;
  fingerprint: string;
  alertname: string | undefined;
  service: string;
  severity: string | undefined;
  status: 'firing' | 'resolved';
  startsAt: number;
  episodes: number;
  firedAt: number;
  previousResolvedAt: number | undefined;
}

/** Alerts with a service that fire now or began an episode since `since`. */
export async function readAlertsToScore(pool: Pool, since: Date): Promise<AlertRow[]> {
  const { rows } = await pool.query<{
    tenant: string;
    fingerprint: string;
    alertname: string | null;
    service: string;
    severity: string | null;
    status: 'firing' | 'resolved';
    starts_at: Date;
    episodes: number;
    fired_at: Date;
    previous_resolved_at: Date | null;
  }>(
    `SELECT tenant, fingerprint, alertname, service, severity, status, starts_at, episodes,
            fired_at, previous_resolved_at
       FROM alert
      WHERE service IS NOT NULL AND (status = 'firing' OR fired_at >= $1)
      ORDER BY fired_at, tenant, fingerprint`,
    [since],
  );
  return rows.map((r) => ({
    tenant: r.tenant,
    fingerprint: r.fingerprint,
    alertname: r.alertname ?? undefined,
    service: r.service,
    severity: r.severity ?? undefined,
    status: r.status,
    startsAt: r.starts_at.getTime(),
    episodes: r.episodes,
    firedAt: r.fired_at.getTime(),
    previousResolvedAt: r.previous_resolved_at?.getTime(),
  }));
}

/** An alert that named a service and fired at some time in a window. */
export interface WindowAlert {
  service: string;
  alertname: string | undefined;
  severity: string | undefined;
  startsAt: Date;
  resolvedAt: Date | undefined;
}

/** Alerts naming a service whose current episode overlaps [from, to). */
export async function alertsInWindow(pool: Pool, from: Date, to: Date): Promise<WindowAlert[]> {
  const { rows } = await pool.query<{
    service: string;
    alertname: string | null;
    severity: string | null;
    starts_at: Date;
    resolved_at: Date | null;
  }>(
    `SELECT service, alertname, severity, starts_at, resolved_at
       FROM alert
      WHERE service IS NOT NULL AND starts_at < $2 AND (resolved_at IS NULL OR resolved_at >= $1)
      ORDER BY starts_at, service, alertname`,
    [from, to],
  );
  return rows.map((r) => ({
    service: r.service,
    alertname: r.alertname ?? undefined,
    severity: r.severity ?? undefined,
    startsAt: r.starts_at,
    resolvedAt: r.resolved_at ?? undefined,
  }));
}
