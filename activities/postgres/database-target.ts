import type { DatabaseCalls } from '../../store/database-calls';
import type { PostgresSettings } from './index';

/** Calls needed in each period before their latencies are compared. */
const minCalls = 3;
/** How much slower the recent p95 must be than the baseline's to count as the fault's. */
const slowdown = 2;

/** The service's calls to this database slowed: enough of them now and before, p95 doubled. */
export function slowed(c: DatabaseCalls): boolean {
  const { recent, before } = c;
  if (recent.calls < minCalls || before.calls < minCalls) return false;
  if (recent.p95Ms === null || before.p95Ms === null) return false;
  return recent.p95Ms >= slowdown * Math.max(before.p95Ms, 1);
}

interface Configured {
  name: string;
  dbName: string;
  host: string;
}

function configured(settings: PostgresSettings): Configured[] {
  return Object.entries(settings.databases).flatMap(([name, url]) => {
    try {
      const u = new URL(url);
      return [
        { name, dbName: decodeURIComponent(u.pathname.replace(/^\//, '')), host: u.hostname },
      ];
    } catch {
      return [];
    }
  });
}

/**
 * The configured database these calls go to: the service's mapping (AIOPS_PG_SERVICE_DATABASES)
 * for its own calls, else the one whose database name is the calls' `db.namespace`/`db.name`
 * (and, when several are, whose host is their `server.address`). Ambiguous: none, never a guess.
 */
function identify(
  service: string,
  c: DatabaseCalls,
  settings: PostgresSettings,
  known: Configured[],
): string | undefined {
  const mapped = c.byService ? settings.services?.[service] : undefined;
  if (mapped && settings.databases[mapped] !== undefined) return mapped;
  if (!c.dbName) return undefined;
  const byName = known.filter((k) => k.dbName === c.dbName);
  const matches = byName.length > 1 ? byName.filter((k) => k.host === c.address) : byName;
  return matches.length === 1 ? matches[0]!.name : undefined;
}

/**
 * The allow-listed database a PostgreSQL runbook should act on for an incident on `service`, by
 * where the fault shows: the service is itself the database its clients call (the root cause
 * is there), or the service's own calls to it slowed. Calls are taken most frequent first.
 */
export function databaseTarget(
  service: string,
  calls: DatabaseCalls[],
  settings: PostgresSettings | undefined,
): string | undefined {
  if (!settings) return undefined;
  const known = configured(settings);
  for (const c of calls) {
    const faultThere = c.byService ? slowed(c) : c.recent.calls > 0;
    if (!faultThere) continue;
    const name = identify(service, c, settings, known);
    if (name) return name;
  }
  return undefined;
}
