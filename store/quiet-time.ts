/** A span of epoch milliseconds, [from, to). */
export interface Period {
  from: number;
  to: number;
}

/**
 * SQL for the union of the periods passed as two timestamptz array parameters (`$first` their
 * starts, the next their ends), as a `tstzmultirange`: the metric history tests its rows against
 * it (`@>`) where the periods are the incidents', so what it keeps was stored while no incident
 * was going on.
 */
export function busyTimeSql(first: number): string {
  return `(SELECT coalesce(range_agg(tstzrange(f, t)), '{}'::tstzmultirange)
             FROM unnest($${first}::timestamptz[], $${first + 1}::timestamptz[]) AS p(f, t))`;
}

/** The two array parameters `busyTimeSql` reads. */
export function busyTimeParams(periods: readonly Period[]): [Date[], Date[]] {
  const kept = periods.filter((p) => p.to > p.from);
  return [kept.map((p) => new Date(p.from)), kept.map((p) => new Date(p.to))];
}
