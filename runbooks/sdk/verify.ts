import { isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../../activities';
import { RunbookHalt, type VerifyOptions } from './context';
import { failureMessage } from './invoke';
import type { ServiceHealth } from './types';

const { checkServiceHealth } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

const defaults = {
  every: '15 seconds',
  healthyChecks: 1,
  minRequests: 20,
  maxErrorRate: 0.05,
} as const;

/**
 * Healthy: enough post-fix traffic to judge, with errors (and, when asked, p95 latency) within
 * bounds. Pure, so it is unit-testable.
 */
export function isHealthy(h: ServiceHealth, o: VerifyOptions): boolean {
  if (h.requests < (o.minRequests ?? defaults.minRequests)) return false;
  if (h.errorRate > (o.maxErrorRate ?? defaults.maxErrorRate)) return false;
  return o.maxP95LatencyMs === undefined || h.p95LatencyMs <= o.maxP95LatencyMs;
}

function describeHealth(h: ServiceHealth): string {
  return `${h.requests} requests, error rate ${(h.errorRate * 100).toFixed(1)}%, p95 ${Math.round(h.p95LatencyMs)} ms`;
}

/**
 * Polls the service's RED metrics until `healthyChecks` consecutive checks pass; throws a
 * RunbookHalt (roll back) when `within` runs out first. A failed health read counts as unhealthy.
 */
export async function verifyRecovery(o: VerifyOptions): Promise<void> {
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
