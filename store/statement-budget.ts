import type pg from 'pg';
import { withTransaction, type Pool } from './db';

/** How long a history read may take before the investigation goes on without it. */
export const historyBudgetMs = 3_000;

/** PostgreSQL's SQLSTATE for a statement cancelled by its `statement_timeout`. */
const queryCanceled = '57014';

/** Whether `err` is PostgreSQL cancelling a statement past its time budget. */
export function pastStatementBudget(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === queryCanceled;
}

/**
 * Runs read-only `work` in a transaction whose statements PostgreSQL cancels past `budgetMs`
 * (including time spent waiting for a lock), so an optional read cannot hold up its caller.
 */
export function readWithinBudget<T>(
  pool: Pool,
  budgetMs: number,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return withTransaction(
    pool,
    async (client) => {
      await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(budgetMs))}`);
      return work(client);
    },
    { readOnly: true },
  );
}
