import type { types } from '@slack/bolt';
import type {
  ApprovalRecord,
  ApprovalRequest,
  ApprovalStatus,
  PlanItem,
} from '../../runbooks/sdk/types';

type Block = types.KnownBlock;

export const approvalBlockId = 'runbook_approval';
export const approveActionId = 'runbook_approve';
export const rejectActionId = 'runbook_reject';

/** What the buttons carry back: which run and gate the press answers. */
export interface ApprovalButtonValue {
  workflowId: string;
  runId: string;
  gate: string;
}

/** `slack:U123` identities become mentions; others stay as written. */
export function mention(identity: string): string {
  return identity.startsWith('slack:') ? `<@${identity.slice('slack:'.length)}>` : identity;
}

function planLine(item: PlanItem, i: number): string {
  switch (item.kind) {
    case 'step':
      return `${i + 1}. *${item.name}* (${item.risk} risk): ${item.describe}. Undo: ${item.undo}`;
    case 'approval':
      return `${i + 1}. *approval* ${item.name}: ${item.describe}`;
    case 'verify':
      return `${i + 1}. *verify*: ${item.describe}`;
    case 'precondition':
      return `${i + 1}. *precondition*: ${item.describe}`;
    case 'inspect':
      return `${i + 1}. *inspect* ${item.name}: ${item.describe}${item.found ? `. Found: ${item.found}` : ''}`;
  }
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function requestBlocks(r: ApprovalRequest): Block[] {
  const cause = r.rootCause
    ? `*Top root cause:* ${r.rootCause.service} (${r.rootCause.kind}, score ${r.rootCause.score.toFixed(2)})`
    : '*Top root cause:* not determined';
  return [
    {
      type: 'header',
      text: { type: 'plain_text', text: `Approval needed: ${r.runbook.title}`.slice(0, 150) },
    },
    section(
      `*Incident* ${r.incidentId} on *${r.service}*\n${r.summary ?? 'No summary yet.'}\n${cause}`,
    ),
    section(
      `*${r.describe}*\nRunbook \`${r.runbook.name}\` v${r.runbook.version}, *${r.risk} risk*, needs ${r.required} approval(s) from ${r.approvers.map(mention).join(', ') || 'nobody configured'} before ${r.expiresAt}.`,
    ),
    section(`*Plan*\n${r.plan.map(planLine).join('\n')}`),
  ];
}

function decisionLine(d: ApprovalRecord): string {
  const who =
    d.via === 'timer' || d.via === 'policy' ? d.via : `${mention(d.approver)} via ${d.via}`;
  return `${d.decision.replace('_', ' ')} by ${who}${d.reason ? `: ${d.reason}` : ''}`;
}

export function approvalMessage(r: ApprovalRequest): { text: string; blocks: Block[] } {
  const value: ApprovalButtonValue = { workflowId: r.workflowId, runId: r.runId, gate: r.gate };
  return {
    text: `Approval needed for ${r.runbook.name} on incident ${r.incidentId}`,
    blocks: [
      ...requestBlocks(r),
      {
        type: 'actions',
        block_id: approvalBlockId,
        elements: [
          {
            type: 'button',
            action_id: approveActionId,
            style: 'primary',
            text: { type: 'plain_text', text: 'Approve' },
            value: JSON.stringify(value),
          },
          {
            type: 'button',
            action_id: rejectActionId,
            style: 'danger',
            text: { type: 'plain_text', text: 'Reject' },
            value: JSON.stringify(value),
          },
        ],
      },
    ],
  };
}

/** The request as edited after a decision: the buttons stay only while it is still pending. */
export function decidedMessage(
  r: ApprovalRequest,
  decisions: ApprovalRecord[],
  status: ApprovalStatus,
): { text: string; blocks: Block[] } {
  const headline =
    status === 'pending'
      ? `Waiting: ${decisions.filter((d) => d.decision === 'approved').length} of ${r.required} approvals`
      : `*${status.replace('_', ' ').toUpperCase()}*`;
  const outcome = section([headline, ...decisions.map(decisionLine)].join('\n'));
  if (status === 'pending') {
    const pending = approvalMessage(r);
    return {
      text: pending.text,
      blocks: [...pending.blocks.slice(0, -1), outcome, ...pending.blocks.slice(-1)],
    };
  }
  return {
    text: `${r.runbook.name} on incident ${r.incidentId}: ${status.replace('_', ' ')}`,
    blocks: [...requestBlocks(r), outcome],
  };
}
