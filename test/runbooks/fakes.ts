// Test doubles shared by the runbook tests and the crash test's worker process (no vitest here).
import type { ApprovalPolicy } from '../../activities/approval-policy';
import type { HealthSource } from '../../activities/health';
import type { WorkflowHandle } from '@temporalio/client';
import type { SignedApproval } from '../../runbooks/sdk/approval-statement';
import { runbookStatusQuery } from '../../runbooks/sdk/messages';
import type { ServiceHealth } from '../../runbooks/sdk/types';
import { createPool } from '../../store/db';
import { serviceHealthSince } from '../../store/service-health';
import {
  createApprovalAuthority,
  ed25519KeyFromSeed,
  type ApprovalAuthority,
} from '../../worker/approval-authority';

/** The tests' approval authority: a fixed key, so the crash test's worker process trusts it too. */
export const testAuthority = createApprovalAuthority(ed25519KeyFromSeed('11'.repeat(32)));

/** Who may approve in these tests: `oncall` answers first, `leads` after escalation. */
export const testPolicy: ApprovalPolicy = {
  requiredFrom: 'medium',
  twoApproversFrom: 'high',
  groups: {
    oncall: ['alice', 'bob', 'slack:UALICE'],
    'sre-leads': ['carol'],
    leads: ['carol'],
  },
  authorityKeys: [testAuthority.publicKey],
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

/**
 * An answer to the run's open gate (or `gate`), signed as the approval gateway signs it after
 * verifying `approver`; `{ args }` for `executeUpdate(approveUpdate, ...)`.
 */
export async function signedAnswer(
  handle: WorkflowHandle,
  a: {
    decision: 'approve' | 'reject';
    approver: string;
    via?: 'slack' | 'cli';
    reason?: string;
    gate?: string;
  },
  authority: ApprovalAuthority = testAuthority,
): Promise<{ args: [SignedApproval] }> {
  const { runId } = await handle.describe();
  const gate =
    a.gate ?? (await handle.query(runbookStatusQuery).catch(() => undefined))?.awaiting?.gate;
  const approval = authority.issue({
    workflowId: handle.workflowId,
    runId,
    gate: gate ?? 'none',
    decision: a.decision,
    approver: a.approver,
    via: a.via ?? 'cli',
    ...(a.reason ? { reason: a.reason } : {}),
  });
  return { args: [approval] };
}
