import { userInfo } from 'node:os';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { Command } from 'commander';
import { approveUpdate, runbookStatusQuery, runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { ApprovalAck, ApprovalDecision, RunbookStatus } from '../../runbooks/sdk/types';
import { loadConfig, temporalAddress } from '../config';

export type ApprovalAnswer =
  { recorded: true; ack: ApprovalAck } | { recorded: false; reason: string };

/**
 * Sends a decision as the `approve` Update. A refusal by the workflow's validator (not an
 * approver, not waiting, already answered) or a finished run comes back as a reason.
 */
export async function sendApproval(
  client: Client,
  target: { workflowId: string; runId?: string },
  decision: ApprovalDecision,
): Promise<ApprovalAnswer> {
  try {
    const handle = client.workflow.getHandle(target.workflowId, target.runId);
    return { recorded: true, ack: await handle.executeUpdate(approveUpdate, { args: [decision] }) };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      return { recorded: false, reason: err.cause?.message ?? err.message };
    }
    if (err instanceof WorkflowNotFoundError) {
      return { recorded: false, reason: 'that runbook run has already finished' };
    }
    throw err;
  }
}

/** The open runbook run of an incident (by the `runbook-<incidentId>` id convention). */
export async function findRunbookRun(
  client: Client,
  incidentId: string,
): Promise<{ workflowId: string; status: RunbookStatus } | undefined> {
  const workflowId = runbookWorkflowId(incidentId);
  const handle = client.workflow.getHandle(workflowId);
  try {
    const described = await handle.describe();
    if (described.status.name !== 'RUNNING') return undefined;
    return { workflowId, status: await handle.query(runbookStatusQuery) };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

interface ApproveOptions {
  reject?: boolean;
  reason?: string;
  as?: string;
  gate?: string;
}

async function approve(incidentId: string, opts: ApproveOptions): Promise<void> {
  const config = loadConfig();
  const connection = await Connection.connect({ address: temporalAddress(config) });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const run = await findRunbookRun(client, incidentId);
    if (!run) {
      process.stderr.write(`No runbook is running for incident ${incidentId}.\n`);
      process.exitCode = 1;
      return;
    }
    const { runbook, awaiting } = run.status;
    if (!awaiting) {
      process.stderr.write(
        `${runbook.name} v${runbook.version} for incident ${incidentId} is not waiting for an approval (${run.status.phase}).\n`,
      );
      process.exitCode = 1;
      return;
    }
    const answer = await sendApproval(
      client,
      { workflowId: run.workflowId },
      {
        decision: opts.reject ? 'reject' : 'approve',
        approver: opts.as ?? userInfo().username,
        via: 'cli',
        ...(opts.reason ? { reason: opts.reason } : {}),
        ...(opts.gate ? { gate: opts.gate } : {}),
      },
    );
    if (!answer.recorded) {
      process.stderr.write(`Not recorded: ${answer.reason}\n`);
      process.exitCode = 1;
      return;
    }
    const { ack } = answer;
    process.stdout.write(
      `${runbook.name} v${runbook.version}, gate ${ack.gate}: ${ack.status} (${ack.approvals} of ${ack.required} approvals)\n`,
    );
  } finally {
    await connection.close();
  }
}

export function approveCommand(): Command {
  // Its description is in the CLI's command table (worker/cli.ts), read without loading this.
  return new Command('approve')
    .argument('<incident>', 'incident id')
    .option('--reject', 'reject instead of approving; the runbook rolls back')
    .option('--reason <text>', 'why, for the audit trail')
    .option('--as <identity>', 'approver identity (default: your login name)')
    .option('--gate <name>', 'the gate to answer, when it matters')
    .action(approve);
}
