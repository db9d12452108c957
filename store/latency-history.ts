import type { Pool } from './db';
import { histogramOutput } from './queries/red';
import { histogramQuantile } from './telemetry-histogram';
import type { TelemetryWindow } from './investigation-telemetry';
import { historyBudgetMs, readWithinBudget } from './statement-budget';

/** One 10-second rollup bucket of one operation's own calls. */
export interface OperationLatencyLevel {
  service: string;
  operation: string;
  meanMs: number | null;
  p95Ms: number | null;
}

/** A rollup row as read: int4 histogram counts come as numbers, int8 sums as text. */
interface LevelRow {
  service: string;
  operation: string;
  calls: string;
  duration_sum_us: string;
  lo: number | null;
  counts: number[] | null;
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
    client.query<LevelRow>(
      `SELECT s.name AS service, o.name AS operation, calls, duration_sum_us, ${histogramOutput}
         FROM (SELECT r.operation_id, r.calls, r.duration_sum_us, r.latency AS h
                 FROM rollup_operations r
                WHERE r.bucket >= $1 AND r.bucket < $2
                LIMIT $3) r
         JOIN operations o ON o.id = r.operation_id AND o.kind IN (0, 1, 2, 5)
         JOIN services s ON s.id = o.service_id`,
      [window.from, window.to, limit],
    ),
  );
  // Only the mean and the p95, computed as `toRedPoint` computes them: an hour of buckets is
  // tens of thousands of rows, and the p50 and p99 it also works out went unread.
  return rows.map((r) => {
    const calls = Number(r.calls);
    const p95Us = histogramQuantile({ offset: r.lo ?? 0, counts: r.counts ?? [] }, 0.95);
    return {
      service: r.service,
      operation: r.operation,
      meanMs: calls ? Number(r.duration_sum_us) / calls / 1000 : null,
      p95Ms: p95Us === null ? null : p95Us / 1000,
    };
  });
}
