import type pg from 'pg';
import type { MinerState } from '../detectors/logs/miner';
import type { Pool } from './db';

export interface WindowLog {
  bucket: number;
  service: string;
  severityNumber: number;
  body: string;
}

/** String-bodied log records of the buckets in (from, to], oldest first. */
export async function readWindowLogs(
  pool: Pool,
  from: Date,
  to: Date,
  limit = 200_000,
): Promise<WindowLog[]> {
  const { rows } = await pool.query<{
    bucket: Date;
    service: string;
    severity_number: number;
    body: string;
  }>(
    `SELECT to_timestamp(floor(extract(epoch FROM l.time) / 10) * 10) AS bucket, s.name AS service,
       l.severity_number, l.body
     FROM logs l JOIN services s ON s.id = l.service_id
     WHERE l.time >= $1 AND l.time < $2 AND l.body IS NOT NULL
     ORDER BY l.time
     LIMIT $3`,
    [from, to, limit],
  );
  return rows.map((r) => ({
    bucket: r.bucket.getTime(),
    service: r.service,
    severityNumber: r.severity_number,
    body: r.body,
  }));
}

export async function loadMinerState(
  pool: Pool,
): Promise<{ state: MinerState; lines: number } | undefined> {
  const { rows } = await pool.query<{ state: MinerState; lines: string }>(
    'SELECT state, lines FROM log_miner_state WHERE id = 1',
  );
  const r = rows[0];
  return r && { state: r.state, lines: Number(r.lines) };
}

export interface SeenTemplate {
  templateId: string;
  service: string;
  template: string;
  firstSeen: Date;
  lastSeen: Date;
}

/** Inside the detection pass's transaction: the miner's new state and the templates seen. */
export async function saveMinerState(
  client: pg.PoolClient,
  state: MinerState,
  lines: number,
  templates: SeenTemplate[],
): Promise<void> {
  await client.query(
    `INSERT INTO log_miner_state (id, state, lines, updated_at) VALUES (1, $1, $2, now())
     ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, lines = EXCLUDED.lines, updated_at = now()`,
    [JSON.stringify(state), lines],
  );
  if (!templates.length) return;
  await client.query(
    `INSERT INTO log_templates (template_id, service, template, first_seen, last_seen)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
     ON CONFLICT (template_id) DO UPDATE SET template = EXCLUDED.template,
       last_seen = greatest(log_templates.last_seen, EXCLUDED.last_seen)`,
    [
      templates.map((t) => t.templateId),
      templates.map((t) => t.service),
      templates.map((t) => t.template),
      templates.map((t) => t.firstSeen),
      templates.map((t) => t.lastSeen),
    ],
  );
}
