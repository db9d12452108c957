import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SignedApproval } from './approval-statement';
import type { ApprovalAck, RunbookStatus } from './types';

/**
 * Message definitions shared by runbook workflows and their clients (Slack gateway, CLI, UI).
 * `approve` takes a statement signed by the approval authority, which only the approval gateway
 * issues (to Slack presses and to `aiops approve`); a hand-written answer from the Temporal UI
 * or CLI is refused with the reason.
 */
export const approveUpdate = defineUpdate<ApprovalAck, [SignedApproval]>('approve');

export const runbookStatusQuery = defineQuery<RunbookStatus>('runbookStatus');

/** Sent to the parent (the incident) when a gate starts or stops waiting for people. */
export const runbookAwaitingApproval = defineSignal<[boolean]>('runbookAwaitingApproval');

/**
 * The workflow id of an incident's runbook run; how approvers find the run to answer. The first
 * attempt keeps the id runs always had; a next remedy after it is `-2`, `-3`.
 */
export function runbookWorkflowId(incidentId: string, attempt = 1): string {
  return attempt === 1 ? `runbook-${incidentId}` : `runbook-${incidentId}-${attempt}`;
}
