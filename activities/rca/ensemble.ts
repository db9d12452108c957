import { callPatterns, withCallPatterns } from './call-patterns';
import { byScore, type RcaMethod, type RootCauseCandidate } from './candidate';
import type { Evidence } from './evidence';
import { rankMembers, type MemberRankings } from './features';
import fusionFile from './fusion-weights.json';
import { gnn, rankWithGnn, softmax, trainedWeights, type GnnWeights } from './gnn';
import { logEvidence } from './logs';
import { outsideVotes, withOutsideEvidence, type OutsideSignal } from './outside-evidence';
import { ownFailureVote } from './own-failure-vote';
import { median } from './stats';

/**
 * Stacked rank fusion. The methods' scores live on unrelated scales, so each method speaks
 * through scale-free votes for every service: its reciprocal rank, the same scaled by how
 * decisively the method chose in this incident (how far its top pick stands out of the other
 * services, `decisiveness`), and that decisiveness again for its top pick only. A method that
 * sees nothing special (log faults for the metric methods, metric faults for the log method)
 * spreads its scores evenly and its votes shrink. How much each vote counts is learned, not
 * set by hand: a conditional logit (softmax over the incident's services) fitted by
 * `npm run train:gnn` on tuning seeds that neither the GNN's training nor the benchmark's
 * evaluation uses, and on the recorded faults of real systems (the shared Nezha days), the two
 * counting equally. The fused score is the resulting root-cause probability.
 */

export const voteNames = ['1/rank', 'decisiveness/rank', 'decisiveness if first'];

/** Per method, one weight per vote in `voteNames` order. */
export type FusionWeights = Record<string, number[]>;

export interface FusionModel {
  /** All members fused. */
  weights: FusionWeights;
  /**
   * Refitted without each recorded system's faults: the benchmark scores a system with the
   * weights that never saw it.
   */
  leaveOneSystemOut?: Record<string, FusionWeights>;
  /** Refitted without one member at a time, for the benchmark's ablation. */
  ablations: Record<string, FusionWeights>;
  training: Record<string, string | number | Record<string, number>>;
}

/** The fitted fusion, checked against the current votes on first use. */
export function fusionModel(): FusionModel {
  const model = fusionFile as FusionModel;
  if (Object.values(model.weights).some((w) => w.length !== voteNames.length)) {
    // Stale weights would silently weigh the wrong votes.
    throw new Error('fusion-weights.json does not match the votes; run `npm run train:gnn`');
  }
  return model;
}

/**
 * 1 − (the other services' median score) / top score, a service the method did not rank
 * scoring 0: 0 when the top pick is no higher than the typical service (or nothing scored),
 * → 1 when it stands out of them all. Measured against the runner-up alone, one other service
 * with noise of its own (a busy service slow in every window of a real system) made a method
 * that saw the fault look undecided, and a method that saw only noise decisive whenever its
 * noise had one peak; the median is the incident's usual level, which one service cannot set.
 */
export function decisiveness(
  ranking: readonly RootCauseCandidate[],
  serviceCount = ranking.length,
): number {
  const top = ranking[0]?.score ?? 0;
  if (top <= 0) return 0;
  const others = ranking.slice(1).map((c) => Math.max(0, c.score));
  while (others.length < serviceCount - 1) others.push(0);
  return others.length ? 1 - median(others) / top : 1;
}

/**
 * The stacking inputs: every service any method ranked, with `voteNames.length` votes per
 * method in `methods` order (zeros where a method did not rank the service).
 */
export function fusionInputs(
  rankings: Readonly<MemberRankings>,
  methods: readonly string[],
  unranked: Iterable<string> = [],
): { services: string[]; x: number[][] } {
  const services = [
    ...new Set([...Object.values(rankings).flatMap((r) => r.map((c) => c.service)), ...unranked]),
  ];
  const index = new Map(services.map((s, i) => [s, i]));
  const x = services.map(() => new Array<number>(methods.length * voteNames.length).fill(0));
  methods.forEach((method, m) => {
    const ranking = rankings[method] ?? [];
    const confidence = decisiveness(ranking, services.length);
    ranking.forEach((c, rank) => {
      const row = x[index.get(c.service) ?? -1];
      if (!row) return;
      const base = m * voteNames.length;
      row[base] = 1 / (rank + 1);
      row[base + 1] = confidence / (rank + 1);
      row[base + 2] = rank === 0 ? confidence : 0;
    });
  });
  return { services, x };
}

/**
 * `prior`: per service, a logit from evidence outside the methods (outside-evidence.ts), added
 * to its fused logit; a service no method ranked enters with no votes, i.e. logit 0 plus its prior.
 * The service's own code path breaking, leading the logs member's evidence, adds a vote of its
 * own (own-failure-vote.ts).
 */
export function fuse(
  rankings: Readonly<MemberRankings>,
  weights: Readonly<FusionWeights> = fusionModel().weights,
  prior: ReadonlyMap<string, number> = new Map(),
): RootCauseCandidate[] {
  const methods = Object.keys(rankings).filter((m) => weights[m]);
  const votes = new Map(prior);
  for (const [service, vote] of ownFailureVote(rankings, strongestFirstPlace(weights, methods)))
    votes.set(service, (votes.get(service) ?? 0) + vote);
  const { services, x } = fusionInputs(rankings, methods, votes.keys());
  const byService = methods.map(
    (m) => new Map((rankings[m] ?? []).map((c) => [c.service, c] as const)),
  );
  const candidates = services.map((service, i) => {
    const row = x[i] ?? [];
    let logit = 0;
    let best: { vote: number; c: RootCauseCandidate } | undefined;
    methods.forEach((m, j) => {
      const w = weights[m] ?? [];
      const vote = w.reduce((s, wk, k) => s + wk * (row[j * voteNames.length + k] ?? 0), 0);
      logit += vote;
      // Describe the suspect the way its strongest voter does.
      const c = byService[j]?.get(service);
      if (c && (!best || vote > best.vote)) best = { vote, c };
    });
    return { service, logit: logit + (votes.get(service) ?? 0), best: best?.c };
  });
  const probabilities = softmax(candidates.map((c) => c.logit));
  return byScore(
    candidates.map(({ service, best }, i) => ({
      service,
      operation: best?.operation,
      kind: best?.kind ?? 'latency',
      score: probabilities[i] ?? 0,
      evidence: best?.evidence ?? {},
    })),
  );
}

export interface Investigation {
  ranking: RootCauseCandidate[];
  members: MemberRankings;
}

/**
 * Every method's ranking, once each (the GNN reuses the members' output). The fusion hears the
 * logs member with the call-pattern changes added (both are code-level evidence: a throw or a
 * wrong value shows in a service's lines or in what its calls do next); the GNN reads the
 * members as it was trained on them.
 */
export function rankAll(
  evidence: Evidence,
  gnnWeights: GnnWeights = trainedWeights(),
): MemberRankings {
  const members = rankMembers(evidence);
  members[gnn.name] = rankWithGnn(gnnWeights, evidence, members);
  members[logEvidence.name] = withCallPatterns(
    members[logEvidence.name] ?? [],
    callPatterns.rank(evidence),
  );
  return members;
}

/**
 * The logit the fusion gives a fully decisive first place (every vote 1) of its most trusted
 * member among `methods`: the scale of the fitted fusion, which a refit may sharpen or soften.
 */
export function strongestFirstPlace(
  weights: Readonly<FusionWeights>,
  methods: readonly string[],
): number {
  return Math.max(0, ...methods.map((m) => (weights[m] ?? []).reduce((s, w) => s + w, 0)));
}

/**
 * The members fused, with what was seen of the services from outside the telemetry as one more
 * member's vote, on the fitted fusion's scale (outside-evidence.ts `outsideVotes`).
 */
export function fuseWithOutside(
  members: Readonly<MemberRankings>,
  outside: readonly OutsideSignal[],
  weights: Readonly<FusionWeights> = fusionModel().weights,
): RootCauseCandidate[] {
  if (!outside.length) return fuse(members, weights);
  const ranked = new Set(Object.values(members).flatMap((r) => r.map((c) => c.service)));
  const votes = outsideVotes(outside, strongestFirstPlace(weights, Object.keys(members)));
  return withOutsideEvidence(fuse(members, weights, votes), outside, ranked);
}

/** Runs every method once and fuses them. */
export function investigate(
  evidence: Evidence,
  outside: readonly OutsideSignal[] = [],
): Investigation {
  const members = rankAll(evidence);
  return { ranking: fuseWithOutside(members, outside), members };
}

export const ensemble: RcaMethod = {
  name: 'ensemble',
  rank: (evidence) => investigate(evidence).ranking,
};
