import { binomialTailLog10 } from '../../detectors/series-scorer';
import type { ServiceHealth } from './types';

/**
 * The tail probability below which a reading's failures say its error rate is over its bound:
 * the usual 5%. "Still failing" undoes a fix only at the deadline's one check, so it needs no
 * stricter level.
 */
export const errorEvidenceLevel = 0.05;

/**
 * How one reading's errors stand against their bound: `within` it, `over` it, or `unclear`
 * (neither shown), which reads again.
 */
export type ErrorStanding = 'within' | 'over' | 'unclear';

/**
 * How a reading's errors are held to their bound.
 * - `rate` (verification before the two-sided rule): over whenever the rate is.
 * - `two-sided`: over only when that many failures are unlikely at the bound's rate. Within only
 *   when they are also unlikely at the fault's own rate (`faultErrorRate`, the service's rate
 *   while the fault was on) at `recoveredLevel`: the fix must have moved the reading away from
 *   the fault. Without a fault rate above the bound, within only when the rate is.
 */
export type ErrorRule =
  { kind: 'rate' } | { kind: 'two-sided'; faultErrorRate?: number; recoveredLevel: number };

export const rateRule: ErrorRule = { kind: 'rate' };

/** P(X ≥ k), log10, X ~ Binomial(n, p). */
const upperTailLog10 = (k: number, n: number, p: number) => binomialTailLog10(k, n, p);

/** P(X ≤ k), log10, X ~ Binomial(n, p): k or fewer failures is n − k or more successes. */
const lowerTailLog10 = (k: number, n: number, p: number) => binomialTailLog10(n - k, n, 1 - p);

/** Where a reading's errors stand against `maxErrorRate` by `rule`. Pure. */
export function errorStanding(
  h: ServiceHealth,
  maxErrorRate: number,
  rule: ErrorRule,
): ErrorStanding {
  if (rule.kind === 'rate') return h.errorRate > maxErrorRate ? 'over' : 'within';
  // The rate is a ratio of counts: rounding gives back the failures it was measured from.
  const failures = Math.round(h.errorRate * h.requests);
  if (h.errorRate > maxErrorRate) {
    const over =
      maxErrorRate <= 0 ||
      upperTailLog10(failures, h.requests, maxErrorRate) < Math.log10(errorEvidenceLevel);
    if (over) return 'over';
  }
  const fault = rule.faultErrorRate;
  if (fault === undefined || fault <= maxErrorRate)
    return h.errorRate <= maxErrorRate ? 'within' : 'unclear';
  const awayFromFault =
    lowerTailLog10(failures, h.requests, fault) < Math.log10(rule.recoveredLevel);
  return awayFromFault ? 'within' : 'unclear';
}

/**
 * The level at which one check may read "recovered": verification ends at the first check that
 * does, so a fix that changed nothing gets `errorEvidenceLevel` over all the checks the deadline
 * allows, not at each (Bonferroni). Pure.
 */
export function recoveredLevel(checks: number): number {
  return errorEvidenceLevel / Math.max(1, checks);
}
