/**
 * Where an investigation's baseline starts. The baseline is how things look when nothing is
 * wrong, so it should hold `baselineMs` of quiet traffic: buckets outside the periods of other
 * incidents that involved one of this incident's services (`periodsOfItsServices`). When those
 * fill the minutes right before the fault, it reaches further back for quiet ones, but only so
 * far:
 * - at most `reachMs` before the fault window (the further back, the likelier another regime:
 *   another time of day, another deploy);
 * - never past a gap with no traffic at all (a restart of the whole system, a switch of
 *   recordings, the store's start: what came before it is another regime; round 6 reached past
 *   one and compared a fault with another day).
 * With less than `minQuietMs` of quiet traffic within that reach, the adjacent `baselineMs` stays
 * the baseline (too little quiet to compare against; other incidents are then left out of it only
 * where enough remains, see buildEvidence).
 */

/** The bounds of the reach back (see above). */
export interface QuietBaselineRule {
  baselineMs: number;
  reachMs: number;
  minQuietMs: number;
  /** A stretch this long without traffic is a gap the baseline does not reach past. */
  gapMs: number;
  bucketMs: number;
}

/** Three baselines' length back at most: the stretch `investigationLimits` allows for. */
export function quietBaselineRule(baselineMs: number): QuietBaselineRule {
  return {
    baselineMs,
    reachMs: 3 * baselineMs,
    minQuietMs: 60_000,
    gapMs: 60_000,
    bucketMs: 10_000,
  };
}

/**
 * The start of the latest stretch of traffic before `to`: the end of the last gap of at least
 * `gapMs` without any (`buckets`: starts of the buckets with traffic, ascending, from `from`).
 */
export function afterLastTrafficGap(
  buckets: readonly number[],
  range: { from: number; to: number },
  rule: Pick<QuietBaselineRule, 'gapMs' | 'bucketMs'>,
): number {
  let next = range.to;
  for (let i = buckets.length - 1; i >= -1; i--) {
    const end = i >= 0 ? buckets[i]! + rule.bucketMs : range.from;
    if (next - end >= rule.gapMs) return next;
    if (i >= 0) next = buckets[i]!;
  }
  return range.from;
}

/**
 * Walks back from `faultStart` a bucket at a time, counting the quiet ones, until it holds
 * `baselineMs` of them or meets `reachMs` or `floor` (the end of the last traffic gap).
 */
export function quietBaselineStart(
  faultStart: number,
  others: readonly { from: number; to: number }[],
  floor: number,
  rule: QuietBaselineRule,
): number {
  const adjacent = faultStart - rule.baselineMs;
  const limit = Math.max(floor, faultStart - rule.reachMs);
  const busy = (t: number) => others.some((o) => o.from < t + rule.bucketMs && o.to > t);
  let start = faultStart;
  let quiet = 0;
  while (quiet < rule.baselineMs && start - rule.bucketMs >= limit) {
    start -= rule.bucketMs;
    if (!busy(start)) quiet += rule.bucketMs;
  }
  return quiet < rule.minQuietMs ? adjacent : start;
}

/**
 * The other incidents whose periods are not quiet for this one: those that involved one of its
 * services. Quiet is judged for the services the incident is about: their own earlier fault in
 * the baseline makes this one look like no change, while another service's trouble elsewhere
 * says nothing of theirs, and reaching back past it (or leaving it out) only moves the baseline
 * further from the fault. Without services (an investigation run by hand), every other incident.
 */
export function periodsOfItsServices<P extends { services: readonly string[] }>(
  others: readonly P[],
  services: readonly string[] | undefined,
): P[] {
  if (!services?.length) return [...others];
  const own = new Set(services);
  return others.filter((o) => o.services.some((s) => own.has(s)));
}
