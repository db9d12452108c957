import type { Pool } from './db';
import { rowBoundLimit, withinRowBound } from './query-bounds';

/** One database a service's client spans call (or, for a database itself, are called on). */
export interface DatabaseCalls {
  /** `db.namespace` (current semantic conventions) or `db.name` (older ones). */
  dbName: string | null;
  /** `server.address` or the older `net.peer.name`. */
  address: string | null;
  /** The span's caller is the service asked about (not a client of it as a database). */
  byService: boolean;
  recent: { calls: number; p95Ms: number | null };
  before: { calls: number; p95Ms: number | null };
}

/** Calls this recent are the fault's; the hour's older ones are the baseline they compare to. */
const recentMinutes = 10;

/**
 * The PostgreSQL calls of the last hour that involve `service`: its own CLIENT spans with
 * `db.system = postgresql`, or, when the service is itself a database seen through its
 * clients' `peer.service`, the calls made to it. Per database, the call count and p95 duration
 * of the last ten minutes and of the fifty before.
 */
export async function postgresCallsOf(pool: Pool, service: string): Promise<DatabaseCalls[]> {
  const { rows } = await pool.query<{
    db_name: string | null;
    address: string | null;
    by_service: boolean;
    recent_calls: string;
    recent_p95_ns: number | null;
    before_calls: string;
    before_p95_ns: number | null;
  }>(
    `WITH calls AS (
       SELECT coalesce(sp.attributes->>'db.namespace', sp.attributes->>'db.name') AS db_name,
              coalesce(sp.attributes->>'server.address', sp.attributes->>'net.peer.name') AS address,
              s.name = $1 AS by_service,
              sp.start_time > now() - make_interval(mins => $2) AS recent,
              sp.duration_ns
       FROM spans sp JOIN services s ON s.id = sp.service_id
       WHERE sp.start_time > now() - interval '1 hour' AND sp.kind = 3
         AND sp.db_system = 'postgresql' AND (s.name = $1 OR sp.peer_service = $1))
     SELECT db_name, address, by_service,
            count(*) FILTER (WHERE recent) AS recent_calls,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ns) FILTER (WHERE recent)
              AS recent_p95_ns,
            count(*) FILTER (WHERE NOT recent) AS before_calls,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ns) FILTER (WHERE NOT recent)
              AS before_p95_ns
     FROM calls GROUP BY 1, 2, 3 ORDER BY count(*) DESC ${rowBoundLimit}`,
    [service, recentMinutes],
  );
  const ms = (ns: number | null) => (ns === null ? null : ns / 1e6);
  return withinRowBound(rows, 'databases a service calls').map((r) => ({
    dbName: r.db_name,
    address: r.address,
    byService: r.by_service,
    recent: { calls: Number(r.recent_calls), p95Ms: ms(r.recent_p95_ns) },
    before: { calls: Number(r.before_calls), p95Ms: ms(r.before_p95_ns) },
  }));
}
