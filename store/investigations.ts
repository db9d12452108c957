import type { RootCauseCandidate } from '../activities/rca/candidate';
import type { Pool } from './db';

export interface InvestigationRecord {
  investigationId: string;
  incidentId?: string;
  baselineStart: Date;
  faultStart: Date;
  end: Date;
  traceSampleRatio: number;
  spans: number;
  candidates: RootCauseCandidate[];
  members: Record<string, RootCauseCandidate[]>;
  /** What the ranking had to go without, and why. */
  notes: string[];
}

/** Insert once: a retried activity finds the stored ranking and keeps it. */
export async function saveInvestigation(pool: Pool, r: InvestigationRecord): Promise<void> {
  await pool.query(
    `INSERT INTO investigation (investigation_id, incident_id, baseline_start, fault_start, window_end,
       trace_sample_ratio, spans, candidates, members, notes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (investigation_id) DO NOTHING`,
    [
      r.investigationId,
      r.incidentId ?? null,
      r.baselineStart,
      r.faultStart,
      r.end,
      r.traceSampleRatio,
      r.spans,
      JSON.stringify(r.candidates),
      JSON.stringify(r.members),
      JSON.stringify(r.notes),
    ],
  );
}

export async function findInvestigation(
  pool: Pool,
  investigationId: string,
): Promise<InvestigationRecord | undefined> {
  const { rows } = await pool.query<{
    investigation_id: string;
    incident_id: string | null;
    baseline_start: Date;
    fault_start: Date;
    window_end: Date;
    trace_sample_ratio: number;
    spans: number;
    candidates: RootCauseCandidate[];
    members: Record<string, RootCauseCandidate[]>;
    notes: string[];
  }>('SELECT * FROM investigation WHERE investigation_id = $1', [investigationId]);
  const r = rows[0];
  return (
    r && {
      investigationId: r.investigation_id,
      incidentId: r.incident_id ?? undefined,
      baselineStart: r.baseline_start,
      faultStart: r.fault_start,
      end: r.window_end,
      traceSampleRatio: r.trace_sample_ratio,
      spans: r.spans,
      candidates: r.candidates,
      members: r.members,
      notes: r.notes,
    }
  );
}

export async function saveInvestigationSummary(
  pool: Pool,
  investigationId: string,
  summary: unknown,
): Promise<void> {
  await pool.query('UPDATE investigation SET summary = $2 WHERE investigation_id = $1', [
    investigationId,
    JSON.stringify(summary),
  ]);
}
