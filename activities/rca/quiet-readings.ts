/**
 * A metric's readings of the hour before the baseline, kept only where no incident was going on:
 * a level counts as known (`metricBeyondHistory`) only if the system reached it while nothing was
 * wrong. Otherwise a fault that comes back within the hour reads as routine, its own earlier
 * episode making it "known" (issue #20, round 21's `rc21`).
 *
 * Every incident's period counts, not only those that name the series' service: an incident
 * names what detection saw, not all its fault touched (a caller's client latency rises with the
 * callee it waits on), and leaving a period out only shortens the history, it never moves it.
 * The baseline is different: it must stay near the fault, so it leaves out only the periods of
 * the incident's own services (`periodsOfItsServices`).
 */
export function readingsWhileQuiet<P extends { timeUnixNano: bigint }>(
  points: readonly P[],
  incidents: readonly { from: number; to: number }[],
): P[] {
  if (!incidents.length) return [...points];
  return points.filter((p) => {
    const ms = Number(p.timeUnixNano / 1_000_000n);
    return !incidents.some((o) => ms >= o.from && ms < o.to);
  });
}
