// Test doubles shared by the runbook tests and the crash test's worker process (no vitest here).
import type { ApprovalPolicy } from '../../activities/approval-policy';
import type { HealthSource } from '../../activities/health';
import type { ServiceHealth } from '../../runbooks/sdk/types';
import { createPool } from '../../store/db';
import { serviceHealthSince } from '../../store/service-health';

/** Who may approve in these tests: `oncall` answers first, `leads` after escalation. */
export const testPolicy: ApprovalPolicy = {
  requiredFrom: 'medium',
  twoApproversFrom: 'high',
  groups: {
    oncall: ['alice', 'bob', 'slack:UALICE'],
    'sre-leads': ['carol'],
    leads: ['carol'],
  },
};

/**
 * A health source the test steers: healthy unless told otherwise, per service. An unavailable
 * service's health is read from a PostgreSQL nobody listens on, failing as in an outage.
 */
export class FakeHealth implements HealthSource {
  readonly unhealthy = new Set<string>();
  readonly unavailable = new Set<string>();
  private readonly downDatabase = createPool('postgres://aiops@127.0.0.1:1/aiops', 1);
  async serviceHealth(service: string, since: Date): Promise<ServiceHealth> {
    if (this.unavailable.has(service)) return serviceHealthSince(this.downDatabase, service, since);
    const sick = this.unhealthy.has(service);
    return {
      service,
      requests: 500,
      errorRate: sick ? 0.35 : 0.002,
      p95LatencyMs: sick ? 2400 : 120,
      from: since.toISOString(),
      to: new Date().toISOString(),
    };
  }
}
