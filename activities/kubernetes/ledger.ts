/**
 * The action ledger: an annotation on each Deployment we act on, listing the ids (idempotency
 * keys) of the last actions applied to it with their results. It is written in the same patch
 * as the change itself, so "the change happened" and "the ledger says so" cannot disagree, and
 * a retried action finds its id and returns the recorded result instead of acting again.
 */
export const ledgerAnnotation = 'aiops.dev/actions';

/** Enough history for any retry to find its entry; small enough for the annotation limit. */
const ledgerSize = 20;

export interface LedgerEntry {
  id: string;
  summary: string;
  details: unknown;
  at: string;
}

export function readLedger(annotations: Record<string, string> | undefined): LedgerEntry[] {
  const raw = annotations?.[ledgerAnnotation];
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? (parsed as LedgerEntry[]) : [];
  } catch {
    // Someone edited it by hand; start a fresh ledger rather than refuse to act.
    return [];
  }
}

export function withEntry(entries: LedgerEntry[], entry: LedgerEntry): string {
  return JSON.stringify([...entries, entry].slice(-ledgerSize));
}
