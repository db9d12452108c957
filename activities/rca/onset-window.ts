/**
 * Where the ranked fault window starts. The incident's first anomaly is where the fault first
 * shows; the lead the investigation is given before it (a cause may precede its first symptom)
 * is not evidence of the fault either way. Ranked as fault, that lead is mostly normal traffic:
 * a minute of it in the opening's 90 s dilutes every method's reading of the fault, and any
 * unrelated event in it reads as the fault (issue #20: rankings of the same recorded faults from
 * their onset were right twice as often). Kept in the baseline, it may hold the fault's start.
 * So the window starts at the first anomaly and the lead is left out of the baseline, as other
 * incidents' periods are (the methods were fitted on windows that start at the fault's onset).
 */
export interface RankedBounds<P extends { from: number; to: number }> {
  baselineStart: number;
  faultStart: number;
  /** Periods left out of the baseline. */
  others: P[];
}

export function fromOnset<P extends { from: number; to: number }>(
  bounds: RankedBounds<P>,
  firstAnomaly: number | undefined,
): RankedBounds<P | { from: number; to: number }> {
  if (firstAnomaly === undefined || firstAnomaly <= bounds.faultStart) return bounds;
  return {
    baselineStart: bounds.baselineStart,
    faultStart: firstAnomaly,
    others: [...bounds.others, { from: bounds.faultStart, to: firstAnomaly }],
  };
}
