// Test doubles shared by the runbook tests and the crash test's worker process (no vitest here).
import type { ApprovalPolicy } from '../../activities/approval-policy';
import type { HealthSource } from '../../activities/health';
import type { ServiceHealth } from '../../runbooks/sdk/types';

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

/** A health source the test steers: healthy unless told otherwise, per service. */
export class FakeHealth implements HealthSource {
  readonly unhealthy = new Set<string>();
  async serviceHealth(service: string, since: Date): Promise<ServiceHealth> {
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
