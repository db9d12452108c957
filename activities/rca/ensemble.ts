import { byScore, type RcaMethod, type RootCauseCandidate } from './candidate';
import type { Evidence } from './evidence';
import { rankMembers, type MemberRankings } from './features';
import { gnn, rankWithGnn, trainedWeights } from './gnn';

/**
 * Confidence-weighted reciprocal-rank fusion of every method. Ranks, not scores, are fused
 * (the methods' scores live on unrelated scales), but each method's vote is scaled by how
 * decisively it chose in this incident: 1 − runner-up score / top score. A method that sees
 * nothing special (log faults for the metric methods, metric faults for the log method)
 * spreads its scores evenly and barely votes. The GNN counts double. Weights and the
 * confidence rule were chosen on development seeds (5001…) that neither the GNN's training
 * nor the benchmark's evaluation uses.
 */
export const fusionWeights: Readonly<Record<string, number>> = {
  baro: 1,
  circa: 1,
  microrank: 1,
  'random-walk': 1,
  logs: 1,
  gnn: 2,
};

/** 1 − second/top: 0 when the top two tie (or nothing scored), → 1 for a clear winner. */
export function decisiveness(ranking: readonly RootCauseCandidate[]): number {
  const top = ranking[0]?.score ?? 0;
  const second = Math.max(0, ranking[1]?.score ?? 0);
  return top > 0 ? 1 - second / top : 0;
}

export function fuse(
  rankings: Readonly<Record<string, RootCauseCandidate[]>>,
  weights: Readonly<Record<string, number>> = fusionWeights,
): RootCauseCandidate[] {
  const fused = new Map<
    string,
    { score: number; best?: { vote: number; c: RootCauseCandidate } }
  >();
  for (const [method, ranking] of Object.entries(rankings)) {
    const w = (weights[method] ?? 0) * decisiveness(ranking);
    ranking.forEach((c, rank) => {
      const vote = w / (rank + 1);
      const entry = fused.get(c.service) ?? { score: 0 };
      entry.score += vote;
      // Describe the suspect the way its strongest voter does.
      if (!entry.best || vote > entry.best.vote) entry.best = { vote, c };
      fused.set(c.service, entry);
    });
  }
  return byScore(
    [...fused].map(([service, { score, best }]) => ({
      service,
      operation: best?.c.operation,
      kind: best?.c.kind ?? 'latency',
      score,
      evidence: best?.c.evidence ?? {},
    })),
  );
}

export interface Investigation {
  ranking: RootCauseCandidate[];
  members: MemberRankings;
}

/** Runs every method once (the GNN reuses the members' output) and fuses them. */
export function investigate(evidence: Evidence): Investigation {
  const members = rankMembers(evidence);
  members[gnn.name] = rankWithGnn(trainedWeights(), evidence, members);
  return { ranking: fuse(members), members };
}

export const ensemble: RcaMethod = {
  name: 'ensemble',
  rank: (evidence) => investigate(evidence).ranking,
};
