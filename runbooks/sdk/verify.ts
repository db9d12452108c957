import { isCancellation, patched, proxyActivities, sleep } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../../activities';
import { RunbookHalt, type VerifyOptions } from './context';
import { errorStanding, rateRule, recoveredLevel, type ErrorRule } from './error-evidence';
import { failureMessage } from './invoke';
import {
  incidentSymptomPatch,
  stricter,
  symptomBounds,
  type IncidentSymptomCheck,
} from './symptom-bounds';
import type { ServiceHealth } from './types';

const { checkServiceHealth } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});
const { escalateUnverifiedRecovery } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '1 minute' },
});

const defaults = {
  every: '15 seconds',
  healthyChecks: 1,
  minRequests: 20,
  maxErrorRate: 0.05,
  cannotTellFor: '30 minutes',
  window: '1 minute',
} as const;

/** What makes a reading healthy. */
type HealthBounds = Pick<VerifyOptions, 'minRequests' | 'maxErrorRate' | 'maxP95LatencyMs'>;

/** The error-rate bound a reading is held to: the runbook's, else the default. */
function errorBoundOf(o: Pick<VerifyOptions, 'maxErrorRate'>): number {
  return o.maxErrorRate ?? defaults.maxErrorRate;
}

/**
 * Verification started before a reading's errors were judged two-sided (over the bound only on
 * evidence, recovered only away from the fault's own rate) judges them by the rate.
 */
export const errorTwoSidedPatch = 'verify-error-two-sided';

/** The longest wait between health checks while the health cannot be read. */
const maxBackoffMs = 5 * 60_000;

/** Workflows started before verification knew "cannot tell" keep judging as they did. */
export const cannotTellPatch = 'verify-cannot-tell';

/** Workflows started before verification judged the latest window keep judging all traffic. */
export const recentWindowPatch = 'verify-recent-window';

/**
 * Healthy: enough post-fix traffic to judge, with errors (by their rate) and, when asked, p95
 * latency within bounds. Pure, so it is unit-testable.
 */
export function isHealthy(h: ServiceHealth, o: HealthBounds): boolean {
  return verdictOf(h, o).kind === 'recovered';
}

/** What one health check says about the fix. */
export type Verdict =
  | { kind: 'recovered'; detail: string }
  | { kind: 'not_recovered'; detail: string }
  /**
   * The health could not be read, there is too little post-fix traffic to judge, or its errors
   * show neither that the fault goes on nor that it is gone.
   */
  | { kind: 'cannot_tell'; detail: string };

/**
 * Judges one reading: only enough traffic, measured, can say the fix did not work; errors are
 * held to their bound by `rule`. Pure.
 */
export function verdictOf(h: ServiceHealth, o: HealthBounds, rule: ErrorRule = rateRule): Verdict {
  const detail = describeHealth(h);
  const minRequests = o.minRequests ?? defaults.minRequests;
  if (h.requests < minRequests)
    return { kind: 'cannot_tell', detail: `${detail}; fewer than ${minRequests} to judge` };
  const errors = errorStanding(h, errorBoundOf(o), rule);
  const slow = o.maxP95LatencyMs !== undefined && h.p95LatencyMs > o.maxP95LatencyMs;
  if (errors === 'over' || slow) return { kind: 'not_recovered', detail };
  if (errors === 'unclear')
    return {
      kind: 'cannot_tell',
      detail: `${detail}; its errors show neither that the fault goes on nor that it is gone`,
    };
  return { kind: 'recovered', detail };
}

function describeHealth(h: ServiceHealth): string {
  return `${h.requests} requests, error rate ${(h.errorRate * 100).toFixed(1)}%, p95 ${Math.round(h.p95LatencyMs)} ms`;
}

/** One reading of the service's health since `since`, judged; an unreadable one is `cannot_tell`. */
export async function readVerdict(
  o: Pick<VerifyOptions, 'service' | 'minRequests' | 'maxErrorRate' | 'maxP95LatencyMs'>,
  since: string,
  rule: ErrorRule = rateRule,
): Promise<Verdict> {
  try {
    return verdictOf(await checkServiceHealth(o.service, since), o, rule);
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { kind: 'cannot_tell', detail: `health unavailable: ${failureMessage(err)}` };
  }
}

/** Verification ended without a verdict: the fix stays in place and a human was told why. */
export class RecoveryUnverified extends Error {
  override readonly name = 'RecoveryUnverified';
}

export interface VerifyContext {
  incidentId: string;
  runbook: string;
  /** When the run's last change completed; without one, when verification starts. */
  changedAt?: string;
  /** The incident's own symptom, which must come back to its baseline too. */
  symptom?: IncidentSymptomCheck;
}

/** The symptom's bounds, with what they are and the fault's own error rate, when read. */
interface SymptomJudgement {
  options: VerifyOptions;
  note: string;
  faultErrorRate?: number;
}

/**
 * The runbook's bounds, made stricter by the incident's symptom: a fix that clears errors while
 * the latency the incident is about stays high has not worked. The baseline is read once; one
 * that cannot be read or is too thin leaves the runbook's own bounds, and `note` says so. With
 * `faultUntil`, the service's error rate from the incident's first anomaly until then (the
 * change) is read too: the level a recovered reading must have moved away from.
 */
async function withSymptomBounds(
  o: VerifyOptions,
  symptom: IncidentSymptomCheck,
  faultUntil?: string,
): Promise<SymptomJudgement> {
  const fault =
    faultUntil !== undefined && symptom.faultFrom !== undefined && symptom.faultFrom < faultUntil
      ? await faultHealth(o, symptom.faultFrom, faultUntil)
      : undefined;
  const faultErrorRate = fault?.errorRate;
  let baseline: ServiceHealth;
  try {
    baseline = await checkServiceHealth(
      o.service,
      symptom.baselineFrom,
      symptom.baselineTo,
      symptom.excluded,
    );
  } catch (err) {
    if (isCancellation(err)) throw err;
    return {
      options: o,
      note: `; no baseline to judge the symptom by (${failureMessage(err)})${faultNoteOf(fault, o)}`,
      faultErrorRate,
    };
  }
  const bounds = symptomBounds(baseline, symptom.signals);
  const options = {
    ...o,
    maxErrorRate: stricter(errorBoundOf(o), bounds.maxErrorRate),
    maxP95LatencyMs: stricter(o.maxP95LatencyMs, bounds.maxP95LatencyMs),
  };
  const limits = [
    bounds.maxP95LatencyMs === undefined ? '' : `p95 ≤ ${Math.round(bounds.maxP95LatencyMs)} ms`,
    bounds.maxErrorRate === undefined ? '' : `errors ≤ ${(bounds.maxErrorRate * 100).toFixed(1)}%`,
  ].filter(Boolean);
  const note = limits.length
    ? `; the incident's ${symptom.signals.join(' and ')} must come back near its baseline (${describeHealth(baseline)}): ${limits.join(', ')}`
    : `; baseline too thin to judge the symptom by (${describeHealth(baseline)})`;
  return { options, note: note + faultNoteOf(fault, options), faultErrorRate };
}

/**
 * What the fault's own error rate asks of a recovered reading. It is a second bar only when it
 * is over the errors bound (see `errorStanding`); under it, the bound alone judges errors.
 */
function faultNoteOf(fault: ServiceHealth | undefined, o: VerifyOptions): string {
  if (!fault) return '';
  const bar =
    fault.errorRate > errorBoundOf(o)
      ? 'a recovered reading must be unlikely at that error rate'
      : 'under the errors bound, which alone judges errors';
  return `; while the fault was on, ${describeHealth(fault)}: ${bar}`;
}

/** The service's health while the fault was on; none when unreadable or too thin to judge. */
async function faultHealth(
  o: VerifyOptions,
  from: string,
  until: string,
): Promise<ServiceHealth | undefined> {
  try {
    const h = await checkServiceHealth(o.service, from, until);
    return h.requests >= (o.minRequests ?? defaults.minRequests) ? h : undefined;
  } catch (err) {
    if (isCancellation(err)) throw err;
    return undefined;
  }
}

/**
 * Where a check's traffic starts: the latest `window`, but never before the change took effect
 * (its completion plus `settle`). Pure.
 */
export function windowStart(
  o: Pick<VerifyOptions, 'window' | 'settle'>,
  changedAtMs: number,
  nowMs: number,
): { since: number; effective: number } {
  const effective = changedAtMs + (o.settle === undefined ? 0 : msToNumber(o.settle));
  const latest = nowMs - msToNumber(o.window ?? defaults.window);
  return { since: Math.max(effective, latest), effective };
}

/**
 * One check of the latest window since the change; a window too quiet to judge is widened to all
 * traffic since the change took effect, so a sparse service is judged as before. With errors
 * judged two-sided, a window that reads recovered counts only when all traffic since the change
 * does not show errors over their bound: a fix that halved a fault's errors reads clean in one
 * short window now and then, never over its whole record. Latency is left to the window, since a
 * slow warm-up right after the change says nothing about the fix.
 */
async function readRecentVerdict(
  o: VerifyOptions,
  changedAtMs: number,
  rule: ErrorRule,
): Promise<Verdict> {
  const { since, effective } = windowStart(o, changedAtMs, Date.now());
  const verdict = await readVerdict(o, new Date(since).toISOString(), rule);
  if (since === effective || Date.now() < effective) return verdict;
  if (verdict.kind === 'cannot_tell')
    return readVerdict(o, new Date(effective).toISOString(), rule);
  if (verdict.kind !== 'recovered' || rule.kind === 'rate') return verdict;
  return confirmedSinceChange(o, verdict, new Date(effective).toISOString(), rule);
}

/** A recovered window, unless all traffic since the change shows errors over their bound. */
async function confirmedSinceChange(
  o: VerifyOptions,
  recovered: Verdict,
  effective: string,
  rule: ErrorRule,
): Promise<Verdict> {
  let all: ServiceHealth;
  try {
    all = await checkServiceHealth(o.service, effective);
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { kind: 'cannot_tell', detail: `health unavailable: ${failureMessage(err)}` };
  }
  if (errorStanding(all, errorBoundOf(o), rule) !== 'over') return recovered;
  return {
    kind: 'cannot_tell',
    detail: `${recovered.detail}, but since the change ${describeHealth(all)}`,
  };
}

/**
 * Polls the service's RED metrics, each check over the latest `window` of traffic after the
 * change took effect, until `healthyChecks` consecutive checks pass; with the incident's
 * symptom in the context, its signals must also be back near the service's baseline. Errors are
 * judged two-sided: over their bound only on evidence, recovered only once unlikely at the fault's
 * own rate, and a reading between the two cannot tell (it reads again, neither a pass nor a
 * failure). When `within` runs out on a measured unhealthy service it throws a RunbookHalt (roll
 * back). When it runs out while the health cannot be told (database or telemetry down, too little
 * traffic, errors between the two sides), it never rolls back, since undoing a fix that worked is
 * worse than waiting: it keeps checking with backoff for `cannotTellFor`, then escalates to a
 * human with the reason and throws RecoveryUnverified.
 */
export async function verifyRecovery(own: VerifyOptions, context: VerifyContext): Promise<void> {
  if (!patched(cannotTellPatch)) return verifyRecoveryBeforeCannotTell(own);
  const since = new Date().toISOString();
  const recent = patched(recentWindowPatch);
  const twoSided = patched(errorTwoSidedPatch);
  // Only runs whose incident passed its symptom reach this: older histories never did.
  const {
    options: o,
    note,
    faultErrorRate,
  }: SymptomJudgement = context.symptom?.signals.length && patched(incidentSymptomPatch)
    ? await withSymptomBounds(
        own,
        context.symptom,
        twoSided ? (context.changedAt ?? since) : undefined,
      )
    : { options: own, note: '' };
  const changedAtMs = context.changedAt ? Date.parse(context.changedAt) : Date.now();
  const deadline = Date.now() + msToNumber(o.within);
  let everyMs = msToNumber(o.every ?? defaults.every);
  const rule: ErrorRule = twoSided
    ? {
        kind: 'two-sided',
        ...(faultErrorRate !== undefined && { faultErrorRate }),
        recoveredLevel: recoveredLevel(Math.floor(msToNumber(o.within) / everyMs)),
      }
    : rateRule;
  const needed = o.healthyChecks ?? defaults.healthyChecks;
  let streak = 0;
  let unknownUntil: number | undefined;
  for (;;) {
    const verdict = recent
      ? await readRecentVerdict(o, changedAtMs, rule)
      : await readVerdict(o, since, rule);
    streak = verdict.kind === 'recovered' ? streak + 1 : 0;
    if (streak >= needed) return;
    if (Date.now() + everyMs > deadline) {
      if (verdict.kind !== 'cannot_tell')
        throw new RunbookHalt(
          'rolled_back',
          `${o.service} did not recover within ${String(o.within)} (${verdict.detail}${note})`,
        );
      const cannotTellFor = o.cannotTellFor ?? defaults.cannotTellFor;
      unknownUntil ??= Date.now() + msToNumber(cannotTellFor);
      if (Date.now() >= unknownUntil) {
        const reason =
          `could not tell whether ${o.service} recovered within ${String(o.within)} and ` +
          `${String(cannotTellFor)} more (${verdict.detail}); ` +
          'the fix was left in place for a human to judge';
        await escalateUnverifiedRecovery({ ...context, service: o.service, reason });
        throw new RecoveryUnverified(reason);
      }
      everyMs = Math.min(everyMs * 2, maxBackoffMs, Math.max(1, unknownUntil - Date.now()));
    }
    await sleep(everyMs);
  }
}

/** Verification as it ran before the patch: a failed health read counted as unhealthy. */
async function verifyRecoveryBeforeCannotTell(o: VerifyOptions): Promise<void> {
  const since = new Date().toISOString();
  const deadline = Date.now() + msToNumber(o.within);
  const everyMs = msToNumber(o.every ?? defaults.every);
  const needed = o.healthyChecks ?? defaults.healthyChecks;
  let streak = 0;
  let last = 'no health reading';
  for (;;) {
    try {
      const health = await checkServiceHealth(o.service, since);
      last = describeHealth(health);
      streak = isHealthy(health, o) ? streak + 1 : 0;
    } catch (err) {
      if (isCancellation(err)) throw err;
      last = `health unavailable: ${failureMessage(err)}`;
      streak = 0;
    }
    if (streak >= needed) return;
    if (Date.now() + everyMs > deadline) {
      throw new RunbookHalt(
        'rolled_back',
        `${o.service} did not recover within ${String(o.within)} (${last})`,
      );
    }
    await sleep(everyMs);
  }
}
