/** Scoring shared by bench:rca's profiles: rank of the truth, AC@k, Avg@5, sign test, quantiles. */
import type { RootCauseCandidate } from '../activities/rca/candidate';

/** 1-based rank of `service` in a ranking; Infinity when it is not a candidate. */
export function rankOf(ranking: readonly RootCauseCandidate[], service: string): number {
  const i = ranking.findIndex((c) => c.service === service);
  return i < 0 ? Infinity : i + 1;
}

export interface Accuracy {
  ac1: number;
  ac3: number;
  avg5: number;
}

export function accuracy(ranks: readonly number[]): Accuracy {
  const ac = (k: number) => ranks.filter((r) => r <= k).length / ranks.length;
  return { ac1: ac(1), ac3: ac(3), avg5: (ac(1) + ac(2) + ac(3) + ac(4) + ac(5)) / 5 };
}

export const f2 = (x: number) => x.toFixed(2);

export function quantileOf(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** Two-sided exact sign test on the discordant pairs: P(split at least this uneven | no difference). */
export function signTest(wins: number, losses: number): number {
  const n = wins + losses;
  const k = Math.min(wins, losses);
  let p = 0;
  let term = 0.5 ** n;
  for (let i = 0; i <= k; i++) {
    p += term;
    term = (term * (n - i)) / (i + 1);
  }
  return Math.min(1, 2 * p);
}
