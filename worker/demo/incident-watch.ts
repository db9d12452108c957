import type { Pool } from '../../store/db';

interface IncidentRow {
  incident_id: string;
  service: string;
  status: string;
  severity: string;
  root_cause: { service: string; kind: string } | null;
  runbook: string | null;
  resolution: string | null;
}

/**
 * Prints what happens to incidents as it happens (opened, diagnosed, remediated, resolved), by
 * polling the incident table the incident workflows keep current.
 */
export function watchIncidents(pool: Pool, print: (line: string) => void, everyMs = 3_000) {
  const seen = new Map<string, string>();
  let stopped = false;
  const poll = async () => {
    const { rows } = await pool.query<IncidentRow>(
      `SELECT incident_id, service, status, severity, root_cause, runbook, resolution
       FROM incident WHERE updated_at > now() - interval '1 hour' ORDER BY opened_at`,
    );
    for (const r of rows) {
      const fingerprint = [r.status, r.root_cause?.service, r.runbook].join('|');
      if (seen.get(r.incident_id) === fingerprint) continue;
      const first = !seen.has(r.incident_id);
      seen.set(r.incident_id, fingerprint);
      const cause = r.root_cause
        ? `, root cause ${r.root_cause.service} (${r.root_cause.kind})`
        : '';
      const runbook = r.runbook ? `, runbook ${r.runbook}` : '';
      const resolution = r.resolution ? ` — ${r.resolution}` : '';
      print(
        `${first ? 'incident opened' : 'incident'} ${r.incident_id}: ${r.status} [${r.severity}] on ${r.service}${cause}${runbook}${resolution}`,
      );
      if (r.status === 'awaiting_approval' && r.runbook) {
        print(`  waiting for approval: npx aiops approve ${r.incident_id}`);
      }
    }
  };
  const timer = setInterval(() => {
    if (!stopped) poll().catch(() => undefined);
  }, everyMs);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
