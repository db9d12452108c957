import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { RunbookHalt } from './context';
import { readVerdict, type VerifyContext } from './verify';

const { escalateUnverifiedRecovery } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '1 minute' },
});

/** What must still hold before the steps after it run: the service is still failing. */
export interface PreconditionOptions {
  service: string;
  /** The traffic judged: this long before each check (default 5 minutes). */
  lookback?: Duration;
  /** Time between checks while the state cannot be read; doubled up to 5 minutes. */
  every?: Duration;
  /** How long to keep trying while the state cannot be read before escalating (default 30 minutes). */
  cannotTellFor?: Duration;
  minRequests?: number;
  maxErrorRate?: number;
  maxP95LatencyMs?: number;
}

const defaults = {
  lookback: '5 minutes',
  every: '15 seconds',
  cannotTellFor: '30 minutes',
} as const;
const maxBackoffMs = 5 * 60_000;

/** The precondition could not be read in time: nothing more was done, nothing was undone. */
export class PreconditionUnverified extends Error {
  override readonly name = 'PreconditionUnverified';
}

/**
 * Checks that the service still fails before acting on it. Measured healthy: the precondition
 * does not hold and the run halts like a failed step. Not readable (database or telemetry down,
 * too little traffic): it is not taken as either; the run waits with backoff for
 * `cannotTellFor`, then escalates to a human with the reason and ends without acting further
 * and without undoing what was done (PreconditionUnverified).
 */
export async function checkPrecondition(
  o: PreconditionOptions,
  context: VerifyContext,
): Promise<void> {
  const lookbackMs = msToNumber(o.lookback ?? defaults.lookback);
  const cannotTellFor = o.cannotTellFor ?? defaults.cannotTellFor;
  const giveUpAt = Date.now() + msToNumber(cannotTellFor);
  let everyMs = msToNumber(o.every ?? defaults.every);
  for (;;) {
    const since = new Date(Date.now() - lookbackMs).toISOString();
    const verdict = await readVerdict(o, since);
    if (verdict.kind === 'not_recovered') return;
    if (verdict.kind === 'recovered') {
      throw new RunbookHalt(
        'rolled_back',
        `precondition: ${o.service} is healthy again (${verdict.detail}); not acting on it`,
      );
    }
    if (Date.now() + everyMs > giveUpAt) {
      const reason =
        `could not tell whether ${o.service} still fails for ${String(cannotTellFor)} ` +
        `(${verdict.detail}); the runbook stopped before acting, nothing was undone`;
      await escalateUnverifiedRecovery({ ...context, service: o.service, reason });
      throw new PreconditionUnverified(reason);
    }
    await sleep(everyMs);
    everyMs = Math.min(everyMs * 2, maxBackoffMs);
  }
}
