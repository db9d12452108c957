import { ApplicationFailure } from '@temporalio/activity';
import type { Period } from '../store/service-health';
import type { ServiceHealth } from '../runbooks/sdk/types';

/**
 * Where runbook verification reads a service's RED metrics (e.g. PostgreSQL rollups): over the
 * window from `since` (never before the change took effect) to now, so only post-fix traffic
 * counts; with `until`, a window that ended (the service's health before its incident), less the
 * `excluded` periods (other faults of the service in it).
 */
export interface HealthSource {
  serviceHealth(
    service: string,
    since: Date,
    until?: Date,
    excluded?: readonly Period[],
  ): Promise<ServiceHealth>;
}

export function createHealthActivities({ health }: { health?: HealthSource }) {
  return {
    /** `excluded`: periods (ISO 8601) whose buckets the reading leaves out. */
    async checkServiceHealth(
      service: string,
      since: string,
      until?: string,
      excluded?: readonly { from: string; to: string }[],
    ): Promise<ServiceHealth> {
      if (!health) {
        // Without a source nothing can be verified; the runbook must not report success.
        throw ApplicationFailure.nonRetryable('no health source configured', 'HealthSourceMissing');
      }
      return health.serviceHealth(
        service,
        new Date(since),
        until ? new Date(until) : undefined,
        excluded?.map((p) => ({ from: Date.parse(p.from), to: Date.parse(p.to) })),
      );
    },
  };
}
