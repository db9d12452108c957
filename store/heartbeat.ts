import type { Pool } from './db';

export interface HeartbeatRow {
  workflowId: string;
  runId: string;
  scheduledAt: Date;
}

/** Idempotent on (workflow, run): a retried activity does not add a second row. */
export async function recordHeartbeat(pool: Pool, row: HeartbeatRow): Promise<void> {
  await pool.query(
    `INSERT INTO heartbeat (workflow_id, run_id, scheduled_at) VALUES ($1, $2, $3)
     ON CONFLICT (workflow_id, run_id) DO NOTHING`,
    [row.workflowId, row.runId, row.scheduledAt],
  );
}

export async function countHeartbeats(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM heartbeat');
  return Number(rows[0]?.n ?? 0);
}
