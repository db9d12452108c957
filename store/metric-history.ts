import type { MetricPoint } from '../simulator/telemetry';
import type { Pool } from './db';
import {
  metricColumns,
  metricPointsOf,
  type MetricRow,
  type TelemetryWindow,
} from './investigation-telemetry';
import { busyTimeParams, busyTimeSql, type Period } from './quiet-time';
import { historyBudgetMs, readWithinBudget } from './statement-budget';

/** Readings read at most (an hour of Train Ticket's pod gauges is about 56 k). */
export const metricHistoryPointLimit = 50_000;

/**
 * Every metric's readings over a span of time (the history before an investigation's baseline),
 * oldest first, those stored within the `busy` periods (the incidents') left out. Past `limit`
 * the latest are kept: the minutes nearest the baseline say most about the system's levels now.
 * A read on its own rather than the window's loader with its spans and lines turned off (whose
 * limit keeps the earliest points and whose trace count is of no use here), and within a time
 * budget like the other histories: past it the investigation ranks without this one.
 */
export async function metricHistoryReadings(
  pool: Pool,
  window: TelemetryWindow,
  {
    busy = [],
    limit = metricHistoryPointLimit,
    budgetMs = historyBudgetMs,
  }: { busy?: readonly Period[]; limit?: number; budgetMs?: number } = {},
): Promise<MetricPoint[]> {
  const { rows } = await readWithinBudget(pool, budgetMs, (client) =>
    client.query<MetricRow>({
      text: `SELECT ${metricColumns}
       FROM metric_points mp
       JOIN metrics m ON m.id = mp.metric_id
       WHERE mp.time >= $1 AND mp.time < $2 AND NOT ${busyTimeSql(4)} @> mp.time
       ORDER BY mp.time DESC
       LIMIT $3`,
      values: [window.from, window.to, limit, ...busyTimeParams(busy)],
      rowMode: 'array',
    }),
  );
  return metricPointsOf(pool, rows.reverse());
}
