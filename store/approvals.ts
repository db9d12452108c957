import type { Pool } from './db';
import { rowBoundLimit, withinRowBound } from './query-bounds';

export interface ApprovalRow {
  workflowId: string;
  runId: string;
  gate: string;
  approver: string;
  decision: 'approved' | 'rejected' | 'timed_out' | 'auto_approved';
  via: string;
  reason?: string;
  updateId?: string;
  incidentId: string;
  runbook: string;
  runbookVersion: number;
  decidedAt: Date;
}

/** Idempotent per (run, gate, approver): a retried audit write adds nothing. */
export async function recordApprovals(pool: Pool, rows: ApprovalRow[]): Promise<void> {
  if (rows.length === 0) return;
  const values: unknown[] = [];
  const tuples = rows.map((r, i) => {
    values.push(
      r.workflowId,
      r.runId,
      r.gate,
      r.approver,
      r.decision,
      r.via,
      r.reason ?? null,
      r.updateId ?? null,
      r.incidentId,
      r.runbook,
      r.runbookVersion,
      r.decidedAt,
    );
    const base = i * 12;
    return `(${Array.from({ length: 12 }, (_, k) => `$${base + k + 1}`).join(', ')})`;
  });
  await pool.query(
    `INSERT INTO approvals (workflow_id, run_id, gate, approver, decision, via, reason, update_id,
       incident_id, runbook, runbook_version, decided_at)
     VALUES ${tuples.join(', ')}
     ON CONFLICT (workflow_id, run_id, gate, approver) DO NOTHING`,
    values,
  );
}

export async function approvalsOfIncident(pool: Pool, incidentId: string): Promise<ApprovalRow[]> {
  const { rows } = await pool.query<{
    workflow_id: string;
    run_id: string;
    gate: string;
    approver: string;
    decision: ApprovalRow['decision'];
    via: string;
    reason: string | null;
    update_id: string | null;
    incident_id: string;
    runbook: string;
    runbook_version: number;
    decided_at: Date;
  }>(
    `SELECT * FROM approvals WHERE incident_id = $1 ORDER BY decided_at, approver ${rowBoundLimit}`,
    [incidentId],
  );
  return withinRowBound(rows, 'approvals of an incident').map((r) => ({
    workflowId: r.workflow_id,
    runId: r.run_id,
    gate: r.gate,
    approver: r.approver,
    decision: r.decision,
    via: r.via,
    ...(r.reason === null ? {} : { reason: r.reason }),
    ...(r.update_id === null ? {} : { updateId: r.update_id }),
    incidentId: r.incident_id,
    runbook: r.runbook,
    runbookVersion: r.runbook_version,
    decidedAt: r.decided_at,
  }));
}

export interface ApprovalMessageKey {
  workflowId: string;
  runId: string;
  gate: string;
}

export async function findApprovalMessage(
  pool: Pool,
  key: ApprovalMessageKey,
): Promise<{ channel: string; ts: string } | undefined> {
  const { rows } = await pool.query<{ channel: string; ts: string }>(
    'SELECT channel, ts FROM approval_messages WHERE workflow_id = $1 AND run_id = $2 AND gate = $3',
    [key.workflowId, key.runId, key.gate],
  );
  return rows[0];
}

export async function saveApprovalMessage(
  pool: Pool,
  key: ApprovalMessageKey,
  message: { channel: string; ts: string },
): Promise<void> {
  await pool.query(
    `INSERT INTO approval_messages (workflow_id, run_id, gate, channel, ts) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (workflow_id, run_id, gate) DO NOTHING`,
    [key.workflowId, key.runId, key.gate, message.channel, message.ts],
  );
}
