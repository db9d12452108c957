import type { CandidateKind, RootCauseCandidate } from './candidate';

/**
 * Evidence from outside the telemetry the methods read: what the platform (Kubernetes) and the
 * team's alerts say about a service. It enters the fusion as one more member's vote
 * (`outsideVotes`), measured in the fusion's own currency: an OOMKilled container, which the
 * platform saw directly, counts as much as a fully decisive first place of the fusion's most
 * trusted member, and a weaker finding by its log-likelihood ratio against that. The ratios below
 * say how much more often a finding is seen at the root cause of an incident than at a service
 * that only suffers from it; they are argued from what each finding means, not fitted to a
 * benchmark (no recorded fault carries such findings). A fixed log-odds added after the fusion
 * would shrink against the members each time a refit sharpens the fusion; a vote scales with it.
 */
export const findings = {
  /**
   * The kernel killed the container for going over its memory limit: a memory fault is there.
   * Victims of a fault elsewhere slow down or fail; they seldom grow to their limit.
   */
  oomKilled: { likelihoodRatio: 20, group: 'container', kind: 'memory' },
  /**
   * The process exits or cannot start (crash loop, restarts, image or config errors): its own
   * code or release fails. A dependency's outage seldom makes a process exit (clients retry),
   * though a liveness probe that checks dependencies can.
   */
  crashing: { likelihoodRatio: 8, group: 'container', kind: 'errors' },
  /** A new revision rolled out in the window: changes cause most outages, one elsewhere none. */
  rollout: { likelihoodRatio: 5, group: 'change' },
  /**
   * Failed probes and evictions are as much a victim's lot (readiness probes check
   * dependencies; a node under pressure evicts whoever runs there): weak.
   */
  unhealthy: { likelihoodRatio: 2, group: 'health' },
  /** A pod evicted by its node (memory, disk or PID pressure): as weak; names the node at fault. */
  evicted: { likelihoodRatio: 2, group: 'health' },
  /** An alert fires on a symptom, at victims about as often as at the root: weakest. */
  alert: { likelihoodRatio: 1.5, group: 'alert' },
} as const satisfies Record<
  string,
  { likelihoodRatio: number; group: string; kind?: CandidateKind }
>;

export type Finding = keyof typeof findings;

/** One thing said about a service from outside the telemetry, e.g. an OOMKilled container. */
export interface OutsideSignal {
  service: string;
  finding: Finding;
  /** For people: what was seen, e.g. `pod cart-7d9f/cart OOMKilled (exit 137)`. */
  detail: string;
}

/**
 * Per service, the log-likelihood ratio of what was seen. Findings of one group are one
 * phenomenon seen several ways (an OOMKilled container also restarts; three pods of a
 * Deployment crash for one reason): only the strongest of a group counts. Groups add up.
 */
export function outsidePrior(signals: readonly OutsideSignal[]): Map<string, number> {
  const strongest = new Map<string, Map<string, number>>();
  for (const s of signals) {
    const { likelihoodRatio, group } = findings[s.finding];
    let byGroup = strongest.get(s.service);
    if (!byGroup) strongest.set(s.service, (byGroup = new Map()));
    byGroup.set(group, Math.max(byGroup.get(group) ?? 1, likelihoodRatio));
  }
  return new Map(
    [...strongest].map(([service, byGroup]) => [
      service,
      [...byGroup.values()].reduce((sum, lr) => sum + Math.log(lr), 0),
    ]),
  );
}

/** The strongest finding's log-likelihood ratio: the unit a finding's vote is counted in. */
const strongestFinding = Math.log(
  Math.max(...Object.values(findings).map((f) => f.likelihoodRatio)),
);

/**
 * Per service, the findings' vote in the fusion's logit: `firstPlace` (the logit the fusion
 * gives its most trusted member's fully decisive first place) scaled by the service's
 * log-likelihood ratio (`outsidePrior`) over the strongest finding's.
 */
export function outsideVotes(
  signals: readonly OutsideSignal[],
  firstPlace: number,
): Map<string, number> {
  return new Map(
    [...outsidePrior(signals)].map(([service, llr]) => [
      service,
      (firstPlace * llr) / strongestFinding,
    ]),
  );
}

/** Details kept per candidate, and per finding among them: the strongest of each kind show. */
const detailsPerCandidate = 6;
const detailsPerFinding = 2;

/**
 * Each candidate with what was seen of it from outside, strongest first; a finding that names
 * the kind of fault (OOMKilled: memory) sets the candidate's kind, since the platform saw it
 * directly. A candidate no method ranked and no finding names keeps `fallback`.
 */
export function withOutsideEvidence(
  ranking: readonly RootCauseCandidate[],
  signals: readonly OutsideSignal[],
  ranked: ReadonlySet<string>,
  fallback: CandidateKind = 'saturation',
): RootCauseCandidate[] {
  const byService = new Map<string, OutsideSignal[]>();
  for (const s of signals) {
    let list = byService.get(s.service);
    if (!list) byService.set(s.service, (list = []));
    list.push(s);
  }
  return ranking.map((c) => {
    const seen = (byService.get(c.service) ?? []).sort(
      (a, b) => findings[b.finding].likelihoodRatio - findings[a.finding].likelihoodRatio,
    );
    const named = seen
      .map((s) => (findings[s.finding] as { kind?: CandidateKind }).kind)
      .find((k) => k !== undefined);
    const kind = named === 'memory' ? named : ranked.has(c.service) ? c.kind : (named ?? fallback);
    if (!seen.length) return { ...c, kind };
    return {
      ...c,
      kind,
      evidence: {
        ...c.evidence,
        outside: shown(seen),
        findings: [...new Set(seen.map((s) => s.finding))],
      },
    };
  });
}

function shown(strongestFirst: readonly OutsideSignal[]): string[] {
  const perFinding = new Map<Finding, number>();
  const details = new Set<string>();
  for (const s of strongestFirst) {
    const n = perFinding.get(s.finding) ?? 0;
    if (n >= detailsPerFinding || details.has(s.detail)) continue;
    perFinding.set(s.finding, n + 1);
    details.add(s.detail);
  }
  return [...details].slice(0, detailsPerCandidate);
}
