import type { RootCauseCandidate } from '../../activities/rca/candidate';

/** Incidents started before they ranked again keep their single ranking (histories replay). */
export const maturedRankPatch = 'rank-again-when-matured';

/**
 * Seconds after the first anomaly when the incident ranks again: the window then holds about the
 * three minutes of fault the offline protocol ranks, where the opening's holds 35–100 s of it,
 * often anchored on another service's anomaly.
 */
export const defaultMaturedRankSeconds = 180;

/** Incidents that started before a decisive top had to be one of their services keep the old rule. */
export const decisiveNamedPatch = 'decisive-top-is-incident-service';

/** How far the top candidate must lead the second for the opening's ranking to be acted on at once. */
export const decisiveLead = 2;

/**
 * Whether the opening's ranking is clear enough to act on without waiting for the matured one: a
 * top candidate with no rival, or scoring at least `decisiveLead` times the second; and, given the
 * incident's `services`, one of them. Live, fused scores are lopsided even when wrong; a top that
 * none of the incident's anomalies names is an inference from the calls around it, which the
 * fuller window should confirm before anything acts on it.
 */
export function decisive(
  candidates: readonly Pick<RootCauseCandidate, 'service' | 'score'>[],
  services?: readonly string[],
): boolean {
  const [top, second] = candidates;
  if (!top || (services && !services.includes(top.service))) return false;
  return !second || top.score >= decisiveLead * second.score;
}

/**
 * What the incident says of its second ranking: the root cause revised (from what to what, and
 * why) or confirmed. `seconds`: how much of the fault window each ranking saw.
 */
export function revisionNote(
  at: string,
  opening: string | undefined,
  matured: string | undefined,
  seconds: { opening: number; matured: number },
): string {
  const why =
    `the opening's ranking (${seconds.opening} s of the fault window) was not decisive; ` +
    `ranked again at ${at} over ${seconds.matured} s`;
  if (opening === matured)
    return matured === undefined
      ? `no root cause ranked in the matured window either: ${why}`
      : `root cause ${matured} confirmed: ${why}`;
  return `root cause revised from ${opening ?? 'none'} to ${matured ?? 'none'}: ${why}`;
}
