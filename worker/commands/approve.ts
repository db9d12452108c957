import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { Command } from 'commander';
import { approveUpdate, runbookStatusQuery, runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { SignedApproval } from '../../runbooks/sdk/approval-statement';
import { maxRemedyAttempts } from '../../workflows/incident/remedies';
import type { ApprovalAck, RunbookStatus } from '../../runbooks/sdk/types';
import type { StatementRequest, StatementResponse } from '../approvals-endpoint';
import { localApproverToken } from '../approver-identities';
import { loadConfig, temporalAddress } from '../config';
import { connectClient } from '../temporal-connection';

export type ApprovalAnswer =
  { recorded: true; ack: ApprovalAck } | { recorded: false; reason: string };

/**
 * Sends a signed answer as the `approve` Update. A refusal by the workflow's validator (not an
 * approver, not waiting, already answered, not validly signed) or a finished run comes back as
 * a reason.
 */
export async function sendApproval(
  client: Client,
  target: { workflowId: string; runId?: string },
  approval: SignedApproval,
): Promise<ApprovalAnswer> {
  try {
    const handle = client.workflow.getHandle(target.workflowId, target.runId);
    return { recorded: true, ack: await handle.executeUpdate(approveUpdate, { args: [approval] }) };
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

/**
 * The open runbook run of an incident: its first attempt is `runbook-<incidentId>`, a next remedy
 * after it `-2`, `-3` (one runs at a time), so the newest running attempt is the one waiting.
 */
export async function findRunbookRun(
  client: Client,
  incidentId: string,
): Promise<{ workflowId: string; runId: string; status: RunbookStatus } | undefined> {
  for (let attempt = maxRemedyAttempts; attempt >= 1; attempt--) {
    const run = await runningRun(client, runbookWorkflowId(incidentId, attempt));
    if (run) return run;
  }
  return undefined;
}

async function runningRun(
  client: Client,
  workflowId: string,
): Promise<{ workflowId: string; runId: string; status: RunbookStatus } | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    const described = await handle.describe();
    if (described.status.name !== 'RUNNING') return undefined;
    return { workflowId, runId: described.runId, status: await handle.query(runbookStatusQuery) };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

interface ApproveOptions {
  reject?: boolean;
  reason?: string;
  gate?: string;
}

/** Asks the approval gateway, as the holder of `token`, for a signed statement of this answer. */
export async function requestStatement(
  gatewayUrl: string,
  token: string,
  ask: StatementRequest,
): Promise<StatementResponse | { error: string }> {
  const res = await fetch(new URL('/approvals', gatewayUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(ask),
  });
  const body = (await res.json().catch(() => ({}))) as Partial<
    StatementResponse & { error: string }
  >;
  if (res.ok && body.approval && body.workflowId && body.runId) {
    return { workflowId: body.workflowId, runId: body.runId, approval: body.approval };
  }
  return { error: body.error ?? `the approval gateway answered ${res.status}` };
}

async function approve(incidentId: string, opts: ApproveOptions): Promise<void> {
  const config = loadConfig();
  const { url } = config.remediation.gateway;
  const approverToken =
    config.remediation.gateway.approverToken ?? (await localApproverToken(config.home, false));
  if (!approverToken) {
    process.stderr.write(
      'Set AIOPS_APPROVER_TOKEN to your personal approver token: the approval gateway signs your answer once it knows who you are.\n',
    );
    process.exitCode = 1;
    return;
  }
  const statement = await requestStatement(url, approverToken, {
    incidentId,
    decision: opts.reject ? 'reject' : 'approve',
    ...(opts.reason ? { reason: opts.reason } : {}),
    ...(opts.gate ? { gate: opts.gate } : {}),
  }).catch((err: unknown) => ({
    error: `the approval gateway at ${url} is not reachable (${err instanceof Error ? err.message : String(err)})`,
  }));
  if ('error' in statement) {
    process.stderr.write(`Not recorded: ${statement.error}\n`);
    process.exitCode = 1;
    return;
  }
  const { connection, client } = await connectClient(config.temporal, temporalAddress(config));
  try {
    const answer = await sendApproval(client, statement, statement.approval);
    if (!answer.recorded) {
      process.stderr.write(`Not recorded: ${answer.reason}\n`);
      process.exitCode = 1;
      return;
    }
    const { ack } = answer;
    process.stdout.write(
      `gate ${ack.gate}: ${ack.status} (${ack.approvals} of ${ack.required} approvals)\n`,
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
    .option('--gate <name>', 'the gate to answer, when it matters')
    .action(approve);
}
