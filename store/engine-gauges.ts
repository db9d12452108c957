import type { Pool } from './db';

/** Incidents by status, for the engine's own metrics. */
export async function incidentCountsByStatus(pool: Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM incident GROUP BY status',
  );
  return new Map(rows.map((r) => [r.status, Number(r.n)]));
}

/** Seconds between now and the end of the last window a detection pass scored; null before any pass. */
export async function detectionLagSeconds(pool: Pool): Promise<number | null> {
  const { rows } = await pool.query<{ lag: number | null }>(
    'SELECT extract(epoch FROM now() - max(window_end))::float8 AS lag FROM detection_pass',
  );
  return rows[0]?.lag ?? null;
}
