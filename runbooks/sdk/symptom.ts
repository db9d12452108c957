import { isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { SymptomSource } from './types';

const { readIncidentSymptom } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

/** Runs started before the check existed act as they did (their histories must replay). */
export const symptomCheckPatch = 'symptom-check-before-action';

/** The incident's symptom cleared before the first change: the run ends `not_needed`. */
export class SymptomCleared extends Error {
  override readonly name = 'SymptomCleared';
}

/**
 * Why the symptom counts as cleared at `nowMs`, or undefined while it holds: cleared once the
 * incident has been quiet for its own quiet period, the rule by which it resolves itself. Pure.
 */
export function clearedBeforeAction(
  quietSince: string,
  clearedAfterSeconds: number,
  nowMs: number,
): string | undefined {
  const quietSeconds = Math.floor((nowMs - Date.parse(quietSince)) / 1000);
  if (quietSeconds < clearedAfterSeconds) return undefined;
  return (
    `cleared before action: the incident heard no anomaly for ${quietSeconds} s ` +
    `(its quiet period is ${clearedAfterSeconds} s), so nothing was changed`
  );
}

/**
 * Re-checks, before a run's first change, that its incident's symptom still holds; throws
 * SymptomCleared when it has cleared. An incident that cannot be read is no reason to hold a
 * fix back: the run acts as it would without the check.
 */
export async function checkSymptomHolds(source: SymptomSource): Promise<void> {
  let quietSince: string;
  try {
    ({ quietSince } = await readIncidentSymptom(source.incidentWorkflowId));
  } catch (err) {
    if (isCancellation(err)) throw err;
    return;
  }
  const reason = clearedBeforeAction(quietSince, source.clearedAfterSeconds, Date.now());
  if (reason) throw new SymptomCleared(reason);
}
