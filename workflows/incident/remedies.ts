import type { RunbookOutcome, StepRecord } from '../../runbooks/sdk/types';

/** Runbooks one incident runs at most: each may ask for approval, and a human takes over after. */
export const maxRemedyAttempts = 3;

/** Incidents started before they tried a next remedy stop after one (their histories replay). */
export const nextRemedyPatch = 'next-remedy-after-failure';

/**
 * Whether the next fitting remedy is tried after a run ended so: it could not act, or its change
 * failed or was rolled back, so nothing of it cures the fault. Not after a rejection (a human said
 * no), an unverified fix (a human was told and judges it) or a success.
 */
export function triesNextAfter(outcome: RunbookOutcome): boolean {
  return outcome === 'failed' || outcome === 'rolled_back' || outcome === 'not_applicable';
}

/**
 * How long before a runbook's first change the incident's newest anomaly must have begun for the
 * fault to count as passed before the change could show: one 10 s detection bucket, plus slack
 * for a change that acts at once (a rollback whose bucket also held the faulty traffic).
 */
export const passedBeforeChangeMs = 30_000;

/**
 * Why a runbook that succeeded gets no credit, or undefined when it may: the newest anomaly that
 * kept the incident open began well before the run's first change, so the fault had passed
 * before the change could show. Judged once every report is in (at resolution). A fault that
 * passes after the change began is credited to the runbook: without a control it cannot be told
 * from a cure. Pure.
 */
export function passedBeforeChange(
  lastEvidenceAt: string,
  runbook: string,
  steps: readonly StepRecord[],
): string | undefined {
  const firstChange = steps.find((s) => s.startedAt !== undefined)?.startedAt;
  if (firstChange === undefined) return undefined;
  if (Date.parse(lastEvidenceAt) > Date.parse(firstChange) - passedBeforeChangeMs) return undefined;
  return (
    `recovered by itself: its last anomaly began at ${lastEvidenceAt}, ` +
    `before ${runbook}'s first change at ${firstChange}`
  );
}
