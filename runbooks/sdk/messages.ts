import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApprovalAck, ApprovalDecision, RunbookStatus } from './types';

/**
 * Message definitions shared by runbook workflows and their clients (Slack gateway, CLI, UI).
 * From the Temporal UI or CLI:
 *   temporal workflow update execute --workflow-id runbook-<incident> --name approve \
 *     --input '{"decision":"approve","approver":"alice","via":"ui"}'
 */
export const approveUpdate = defineUpdate<ApprovalAck, [ApprovalDecision]>('approve');

export const runbookStatusQuery = defineQuery<RunbookStatus>('runbookStatus');

/** Sent to the parent (the incident) when a gate starts or stops waiting for people. */
export const runbookAwaitingApproval = defineSignal<[boolean]>('runbookAwaitingApproval');

/** The workflow id of an incident's runbook run; how approvers find the run to answer. */
export function runbookWorkflowId(incidentId: string): string {
  return `runbook-${incidentId}`;
}
