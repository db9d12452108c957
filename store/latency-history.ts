import type { Pool } from './db';
import { histogramOutput, toRedPoint, type RedRecord } from './queries/red';
import type { TelemetryWindow } from './investigation-telemetry';
import { historyBudgetMs, readWithinBudget } from './statement-budget';

/** One 10-second rollup bucket of one operation's own calls. */
export interface OperationLatencyLevel {
  service: string;
  operation: string;
  meanMs: number | null;
  p95Ms: number | null;
}

/** Rollup rows read at most (an hour of 10-second buckets of a few hundred operations). */
export const latencyHistoryRowLimit = 200_000;

/**
 * The per-bucket latency levels of every operation's own calls (its server spans, and spans
 * sent without a kind, which the ranking may infer as server spans) over a span of time: the
 * history before an investigation's baseline, read from the rollups rather than from spans.
 */
export async function operationLatencyLevels(
  pool: Pool,
  window: TelemetryWindow,
  { limit = latencyHistoryRowLimit, budgetMs = historyBudgetMs } = {},
): Promise<OperationLatencyLevel[]> {
  // Like the log history: past its budget the investigation ranks without it.
  const { rows } = await readWithinBudget(pool, budgetMs, (client) =>
    client.query<Omit<RedRecord, 'bucket'> & { service: string; operation: string }>(
      `SELECT s.name AS service, o.name AS operation, calls, errors, duration_sum_us,
            ${histogramOutput}
       FROM (SELECT r.operation_id, r.calls, r.errors, r.duration_sum_us, r.latency AS h
               FROM rollup_operations r
              WHERE r.bucket >= $1 AND r.bucket < $2
              LIMIT $3) r
       JOIN operations o ON o.id = r.operation_id AND o.kind IN (0, 1, 2, 5)
       JOIN services s ON s.id = o.service_id`,
      [window.from, window.to, limit],
    ),
  );
  return rows.map((r) => {
    const point = toRedPoint(r);
    return { service: r.service, operation: r.operation, meanMs: point.meanMs, p95Ms: point.p95Ms };
  });
}
