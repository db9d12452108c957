import { log } from '@temporalio/activity';
import { recordApprovals } from '../store/approvals';
import type { Pool } from '../store/db';
import type { ApprovalPolicyDecision, ApprovalRecord, Risk } from '../runbooks/sdk/types';
import { decideApproval, defaultApprovalPolicy, type ApprovalPolicy } from './approval-policy';

/** The decisions of one gate, as the audit trail and its subscribers receive them. */
export interface ApprovalAuditEvent {
  workflowId: string;
  runId: string;
  incidentId: string;
  runbook: string;
  version: number;
  records: ApprovalRecord[];
}

/**
 * Called after the audit rows are written, e.g. to add the decision to the knowledge graph.
 * Activities retry, so it must be idempotent per (workflowId, runId, gate, approver).
 */
export type ApprovalHook = (event: ApprovalAuditEvent) => Promise<void>;

export interface ApprovalDeps {
  pool: Pool;
  approvalPolicy?: ApprovalPolicy;
  onApprovalRecorded?: ApprovalHook;
}

export function createApprovalActivities({
  pool,
  approvalPolicy,
  onApprovalRecorded,
}: ApprovalDeps) {
  const policy = approvalPolicy ?? defaultApprovalPolicy;
  return {
    /** The policy's answer for one gate; read from configuration, recorded in the history. */
    async resolveApprovalPolicy(gate: {
      runbook: string;
      risk: Risk;
      approvers: string[];
      escalateTo: string[];
    }): Promise<ApprovalPolicyDecision> {
      const decision = decideApproval(policy, gate);
      if (decision.approvers.length < decision.required) {
        log.warn('approval gate cannot pass: too few approvers configured', {
          runbook: gate.runbook,
          groups: gate.approvers,
          required: decision.required,
        });
      }
      return decision;
    },

    async recordRunbookApprovals(event: ApprovalAuditEvent): Promise<void> {
      await recordApprovals(
        pool,
        event.records.map((r) => ({
          workflowId: event.workflowId,
          runId: event.runId,
          gate: r.gate,
          approver: r.approver,
          decision: r.decision,
          via: r.via,
          ...(r.reason ? { reason: r.reason } : {}),
          ...(r.updateId ? { updateId: r.updateId } : {}),
          incidentId: event.incidentId,
          runbook: event.runbook,
          runbookVersion: event.version,
          decidedAt: new Date(r.at),
        })),
      );
      await onApprovalRecorded?.(event);
    },
  };
}
