import { baro } from './baro';
import { byScore, type RootCauseCandidate } from './candidate';
import { circa } from './circa';
import type { Evidence } from './evidence';
import { serviceGraph, type ServiceGraph } from './graph';
import { logEvidence, serviceLogScore, templateChanges } from './logs';
import { microRank } from './microrank';
import { randomWalk } from './random-walk';
import { familyMaxima, scoreSeries, signalFamilies } from './signals';

/** The non-learned methods; the GNN reads their scores and the ensemble fuses their ranks. */
export const memberMethods = [baro, circa, microRank, randomWalk, logEvidence] as const;

export type MemberRankings = Record<string, RootCauseCandidate[]>;

export function rankMembers(evidence: Evidence): MemberRankings {
  return Object.fromEntries(memberMethods.map((m) => [m.name, m.rank(evidence)]));
}

/**
 * Each member's highest-scoring service, for members that scored one above zero. The logs
 * member's pick is left out when its top line is about a call: a caller reporting a failed call
 * points at the callee, so the pick is no reading that the caller itself is at fault and must not
 * corroborate an opening (issue #20: a discovery miss's line, echoed by the GNN, made a wrong
 * opening stand). Only the logs member's own flag counts: the GNN's candidates carry every
 * member's evidence.
 */
export function firstPicks(members: Readonly<MemberRankings>): Record<string, string> {
  const picks: Record<string, string> = {};
  for (const [method, ranking] of Object.entries(members)) {
    const [top] = byScore(ranking.filter((c) => c.score > 0));
    if (top && pickAboutCall(method, top) === undefined) picks[method] = top.service;
  }
  return picks;
}

/** The callee a member's pick rests on a line about, when the member is the logs member. */
export function pickAboutCall(
  method: string,
  top: RootCauseCandidate | undefined,
): string | undefined {
  return method === logEvidence.name ? top?.evidence.aboutCall : undefined;
}

export const featureNames: string[] = [
  ...signalFamilies.map((f) => `z.${f}`),
  'logs.raw',
  ...memberMethods.map((m) => `score.${m.name}`),
  ...signalFamilies.map((f) => `rel.z.${f}`),
  'rel.logs.raw',
  ...memberMethods.map((m) => `rel.score.${m.name}`),
  'instrumented',
  'callees',
  'callers',
  'entry',
];

/** Heavy-tailed scores (robust z can reach thousands) compressed to a trainable range. */
function squash(x: number): number {
  return Math.log1p(Math.max(0, x));
}

/**
 * Per-service input features for the GNN: the signal families' strongest robust z, the log
 * surprise, every member method's score (absolute and relative to the best service in this
 * incident) and the service's place in the graph. Ground truth is never an input.
 */
export function nodeFeatures(
  evidence: Evidence,
  members: MemberRankings,
): { graph: ServiceGraph; features: number[][] } {
  const graph = serviceGraph(evidence);
  const maxima = familyMaxima(evidence, scoreSeries(evidence));
  const memberScore = memberMethods.map((m) => {
    const byService = new Map((members[m.name] ?? []).map((c) => [c.service, c.score]));
    // Random-walk scores are probabilities over services: rescale so 1 = uniform.
    const scale = m.name === randomWalk.name ? graph.services.length : 1;
    return graph.services.map((s) => squash((byService.get(s) ?? 0) * scale));
  });
  const absolute = graph.services.map((service, i) => [
    ...signalFamilies.map((f) => squash(maxima.get(service)?.[f] ?? 0)),
    squash(serviceLogScore(templateChanges(evidence, service))),
    ...memberScore.map((scores) => scores[i] ?? 0),
  ]);
  const width = absolute[0]?.length ?? 0;
  const best = Array.from({ length: width }, (_, k) =>
    Math.max(1e-9, ...absolute.map((row) => row[k] ?? 0)),
  );
  const features = absolute.map((row, i) => [
    ...row,
    ...row.map((v, k) => v / (best[k] ?? 1)),
    graph.instrumented[i] ? 1 : 0,
    squash(graph.callees[i]?.length ?? 0),
    squash(graph.callers[i]?.length ?? 0),
    (graph.callers[i]?.length ?? 0) === 0 ? 1 : 0,
  ]);
  return { graph, features };
}
