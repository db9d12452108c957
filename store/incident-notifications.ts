import type { Pool } from './db';

export interface PendingNotification {
  incidentId: string;
  channel: string;
  event: string;
  payload: unknown;
}

/** Queues notifications; one already queued (sent or not) for the same event is left as it is. */
export async function queueNotifications(
  pool: Pool,
  notifications: PendingNotification[],
): Promise<void> {
  for (const n of notifications) {
    await pool.query(
      `INSERT INTO incident_notification (incident_id, channel, event, payload)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [n.incidentId, n.channel, n.event, JSON.stringify(n.payload)],
    );
  }
}

/** Unsent notifications (of one incident, or all), oldest first, with attempts left. */
export async function unsentNotifications(
  pool: Pool,
  maxAttempts: number,
  limit: number,
  incidentId?: string,
): Promise<PendingNotification[]> {
  const { rows } = await pool.query<{
    incident_id: string;
    channel: string;
    event: string;
    payload: unknown;
  }>(
    `SELECT incident_id, channel, event, payload FROM incident_notification
      WHERE sent_at IS NULL AND attempts < $1 AND ($3::text IS NULL OR incident_id = $3)
      ORDER BY created_at LIMIT $2`,
    [maxAttempts, limit, incidentId ?? null],
  );
  return rows.map((r) => ({
    incidentId: r.incident_id,
    channel: r.channel,
    event: r.event,
    payload: r.payload,
  }));
}

export async function markNotification(
  pool: Pool,
  n: PendingNotification,
  outcome: { sent: true } | { sent: false; error: string },
): Promise<void> {
  await pool.query(
    `UPDATE incident_notification
        SET attempts = attempts + 1,
            sent_at = CASE WHEN $4 THEN now() END,
            last_error = $5
      WHERE incident_id = $1 AND channel = $2 AND event = $3`,
    [n.incidentId, n.channel, n.event, outcome.sent, outcome.sent ? null : outcome.error],
  );
}
