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

/** Incidents that started before a decisive top had to be two members' first pick keep the old rule. */
export const decisiveCorroboratedPatch = 'decisive-top-is-corroborated';

/** How many member methods must pick the top first for the opening to be acted on at once. */
export const corroboratingMembers = 2;

/**
 * Whether the fused top is more than one method's reading: at least `corroboratingMembers`
 * members pick it first. The fusion can give one member's pick a clear lead while every other
 * member names someone else; over the opening's short window that was a caller of the fault
 * that one method read first (issue #20). Rankings recorded before the members' picks were
 * carried (`firstPicks` absent) cannot say, and count as corroborated.
 */
export function corroborated(
  top: string | undefined,
  firstPicks: Readonly<Record<string, string>> | undefined,
): boolean {
  if (!firstPicks) return true;
  return Object.values(firstPicks).filter((s) => s === top).length >= corroboratingMembers;
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
