/**
 * Bounds on what one query of an activity may read. Every activity query is limited to a time
 * window by its caller; these bound its rows and its run time, so one oversized window fails
 * its activity with a reason instead of exhausting the heap of the process that runs it.
 */
export const queryBounds = {
  /** Rows of one query; more fails the read rather than truncating it silently. */
  maxRows: 100_000,
  /** Spans returned for one trace: a runaway fan-out is cut at this many, oldest first. */
  maxTraceSpans: 10_000,
  /** Trace summaries one query returns. */
  maxTraceSummaries: 1_000,
  /** One statement's run time: a stuck query gives its connection back and fails its caller. */
  statementTimeoutMs: 300_000,
} as const;

/** SQL `LIMIT` for a query checked by `withinRowBound`: one row over the bound shows it was hit. */
export const rowBoundLimit = `LIMIT ${queryBounds.maxRows + 1}`;

export class RowBoundExceededError extends Error {
  override name = 'RowBoundExceededError';
}

/** The rows of a query run with `rowBoundLimit`, or a clear error when it hit the bound. */
export function withinRowBound<T>(rows: T[], what: string): T[] {
  if (rows.length > queryBounds.maxRows)
    throw new RowBoundExceededError(
      `${what}: more than ${queryBounds.maxRows} rows; read a shorter window`,
    );
  return rows;
}
