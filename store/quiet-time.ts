/** A span of epoch milliseconds, [from, to). */
export interface Period {
  from: number;
  to: number;
}

/**
 * SQL for the union of the periods passed as two timestamptz array parameters (`$first` their
 * starts, the next their ends), as a `tstzmultirange`: the history reads test their rows' times
 * against it (`@>`) where the periods are the incidents', so what they keep was stored while no
 * incident was going on.
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

/** Each period widened to the whole minutes it touches. */
export function wholeMinutesOf(periods: readonly Period[], minuteMs = 60_000): Period[] {
  return periods.map((p) => ({
    from: Math.floor(p.from / minuteMs) * minuteMs,
    to: Math.ceil(p.to / minuteMs) * minuteMs,
  }));
}

/** How much of `window` none of `periods` covers (overlapping periods counted once). */
export function quietMs(window: Period, periods: readonly Period[]): number {
  const clipped = periods
    .map((p) => ({ from: Math.max(p.from, window.from), to: Math.min(p.to, window.to) }))
    .filter((p) => p.to > p.from)
    .sort((a, b) => a.from - b.from);
  let busy = 0;
  let reached = window.from;
  for (const p of clipped) {
    if (p.to <= reached) continue;
    busy += p.to - Math.max(p.from, reached);
    reached = p.to;
  }
  return Math.max(0, window.to - window.from - busy);
}
