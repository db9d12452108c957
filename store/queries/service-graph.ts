import type { Pool } from '../db';
import { histogramOutput, redAggregates, toRedPoint, type RedPoint } from './red';
import type { TimeWindow } from './traces';

export interface ServiceEdge extends Omit<RedPoint, 'bucket'> {
  caller: string;
  callee: string;
}

export interface ServiceGraph {
  /** Every service that called or was called in the window. */
  services: string[];
  edges: ServiceEdge[];
}

/** The service dependency graph of a window, each edge with its RED totals. */
export async function serviceGraph(pool: Pool, w: TimeWindow): Promise<ServiceGraph> {
  const { rows } = await pool.query<{
    caller: string;
    callee: string;
    calls: string;
    errors: string;
    duration_sum_us: string;
    lo: number | null;
    counts: string[] | null;
  }>(
    `SELECT caller, callee, calls, errors, duration_sum_us, ${histogramOutput} FROM (
       SELECT a.name AS caller, z.name AS callee, ${redAggregates}
         FROM rollup_edges r
         JOIN services a ON a.id = r.caller_service_id
         JOIN services z ON z.id = r.callee_service_id
        WHERE r.bucket >= $1 AND r.bucket < $2
        GROUP BY a.name, z.name) g
     ORDER BY caller, callee`,
    [w.from, w.to],
  );
  const edges = rows.map((r): ServiceEdge => {
    const { calls, errors, errorRate, meanMs, p50Ms, p95Ms, p99Ms } = toRedPoint(r);
    return {
      caller: r.caller,
      callee: r.callee,
      calls,
      errors,
      errorRate,
      meanMs,
      p50Ms,
      p95Ms,
      p99Ms,
    };
  });
  const services = [...new Set(edges.flatMap((e) => [e.caller, e.callee]))].sort();
  return { services, edges };
}
