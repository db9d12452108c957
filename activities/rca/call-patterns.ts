import { byScore, type RcaMethod, type RootCauseCandidate } from './candidate';
import type { CallPattern, Evidence } from './evidence';
import { serviceGraph } from './graph';

/** Fewer calls than this in either window say nothing about what a call usually does. */
const minCalls = 5;

export interface PatternChange {
  operation: string;
  /** The `service operation` below the call whose share or count per call moved most. */
  child: string;
  /** Surprise of that move at the baseline's rate per call (signed: + appeared). */
  z: number;
}

/**
 * Share of calls with such a span below them, fault window against the baseline's smoothed
 * share: a step every call took (or none did) that some calls now skip is a changed code path
 * even in a handful of calls.
 */
function shareSurprise(base: number, fault: number, nb: number, nf: number): number {
  const p = (base + 1) / (nb + 2);
  return (fault - nf * p) / Math.sqrt(nf * p * (1 - p) + 1);
}

/** Spans per call, fault window against the baseline's rate (Poisson). */
function countSurprise(base: number, fault: number, nb: number, nf: number): number {
  const expected = ((base + 0.5) * nf) / nb;
  return (fault - expected) / Math.sqrt(expected + 1);
}

/**
 * The strongest change in what one operation's calls do: per call, which spans run below it
 * and how many, the fault window against the baseline. Counted per call, so a different
 * request mix (fewer calls) is no news; only a changed code path is.
 */
export function patternChange(p: CallPattern): PatternChange | undefined {
  const [nb, nf] = p.calls;
  if (nb < minCalls || nf < minCalls) return undefined;
  let best: PatternChange | undefined;
  for (const [child, [cb, cf]] of Object.entries(p.children)) {
    const [wb, wf] = p.callsWith[child] ?? [0, 0];
    const share = shareSurprise(wb, wf, nb, nf);
    const count = countSurprise(cb, cf, nb, nf);
    const z = Math.abs(share) >= Math.abs(count) ? share : count;
    if (!best || Math.abs(z) > Math.abs(best.z)) {
      best = { operation: p.operation, child, z };
    }
  }
  return best;
}

/** Each service's strongest pattern change over its operations. */
export function servicePatternChanges(evidence: Evidence): Map<string, PatternChange> {
  const out = new Map<string, PatternChange>();
  for (const p of evidence.callPatterns ?? []) {
    const change = patternChange(p);
    const held = out.get(p.service);
    if (change && (!held || Math.abs(change.z) > Math.abs(held.z))) out.set(p.service, change);
  }
  return out;
}

/**
 * A caller whose calls changed about as much as a callee's own calls echoes it (a callee that
 * throws makes its callers skip what they would do next): blame moves down. A callee that
 * changed far less is the one that echoes (its caller now sends it other requests).
 */
const echoShare = 0.8;
const echoDiscount = 0.3;

/**
 * Call-pattern evidence: the service whose calls changed what they do below them (an early
 * return, a throw, a wrong value taking another branch), the deepest such service first.
 */
export const callPatterns: RcaMethod = {
  name: 'calls',
  rank(evidence: Evidence): RootCauseCandidate[] {
    const graph = serviceGraph(evidence);
    const changes = servicePatternChanges(evidence);
    const strength = graph.services.map((s) => Math.abs(changes.get(s)?.z ?? 0));
    const ranked = byScore(
      graph.services.map((service, i) => {
        const own = strength[i] ?? 0;
        const change = changes.get(service);
        const echoes = (graph.callees[i] ?? []).some((c) => (strength[c] ?? 0) >= echoShare * own);
        return {
          service,
          operation: change?.operation,
          kind: 'errors',
          score: echoes ? own * echoDiscount : own,
          evidence: change
            ? {
                templates: [
                  `calls per ${change.operation}: ${change.child} z ${change.z.toFixed(1)}`,
                ],
              }
            : {},
        };
      }),
    );
    return ranked.filter((c) => c.score > 0);
  },
};

/**
 * How much a call-pattern change counts beside a log change (both in surprise units): chosen
 * among 0.3, 1 and 3 by the fusion refitted with each, left-out system scored, both recorded
 * systems at once (docs/benchmarks.md).
 */
const callPatternShare = 0.3;

/** A log ranking with each service's call-pattern change added: code-level evidence of both kinds. */
export function withCallPatterns(
  logs: readonly RootCauseCandidate[],
  calls: readonly RootCauseCandidate[],
): RootCauseCandidate[] {
  const merged = new Map(logs.map((c) => [c.service, { ...c }]));
  for (const c of calls) {
    const held = merged.get(c.service);
    if (held) held.score += callPatternShare * c.score;
    else merged.set(c.service, { ...c, score: callPatternShare * c.score });
  }
  return byScore([...merged.values()]);
}
