import { baselineStartFor } from './rca/evidence';

/**
 * The clean stretch right before a fault window that is long enough to be the baseline on its
 * own: the six 10-second buckets the evidence builder needs of a series' baseline.
 */
export const nearBaselineMinMs = 60_000;

/**
 * Where an investigation's baseline starts: the healthy traffic nearest the fault. Another
 * incident often marks a change in what is normal (a deploy, a failover, a shift in load), so
 * traffic from before it compares the fault with another regime: the baseline stays on this side
 * of the latest one, up to `baselineMs` long, as long as that leaves `nearBaselineMinMs` of clean
 * traffic. Only a shorter clean stretch reaches back past other incidents' periods as before.
 */
export function nearestBaselineStart(
  faultStart: number,
  baselineMs: number,
  excluded: readonly { from: number; to: number }[],
  bucketMs = 10_000,
): number {
  let start = faultStart;
  while (
    faultStart - start < baselineMs &&
    !excluded.some((r) => r.from < start && r.to > start - bucketMs)
  )
    start -= bucketMs;
  return faultStart - start >= Math.min(baselineMs, nearBaselineMinMs)
    ? start
    : baselineStartFor(faultStart, baselineMs, excluded, bucketMs);
}
