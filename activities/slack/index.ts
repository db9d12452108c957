import { log } from '@temporalio/activity';
import type { Pool } from '../../store/db';
import { findApprovalMessage, saveApprovalMessage } from '../../store/approvals';
import type {
  ActionRequest,
  ActionResult,
  ApprovalMessageRef,
  ApprovalRecord,
  ApprovalRequest,
  ApprovalStatus,
} from '../../runbooks/sdk/types';
import type { SlackClient } from './client';
import { approvalMessage, decidedMessage, mention } from './messages';

export { createSlackClient, type SlackClient } from './client';

export interface SlackDeps {
  client: SlackClient;
  /** Where approval requests and notifications go. */
  channel: string;
}

/**
 * Chat side of runbooks. Without Slack configured they do nothing (approvers then answer from
 * the CLI or the Temporal UI), and notifications only reach the worker log.
 */
export function createSlackActivities({ pool, slack }: { pool: Pool; slack?: SlackDeps }) {
  return {
    /** Posts the request with Approve/Reject buttons, once per run and gate. */
    async requestRunbookApproval(
      request: ApprovalRequest,
    ): Promise<ApprovalMessageRef | undefined> {
      if (!slack) return undefined;
      const key = { workflowId: request.workflowId, runId: request.runId, gate: request.gate };
      const posted = await findApprovalMessage(pool, key);
      if (posted) return posted;
      const res = await slack.client.chat.postMessage({
        channel: slack.channel,
        ...approvalMessage(request),
      });
      const ref = { channel: res.channel ?? slack.channel, ts: res.ts ?? '' };
      await saveApprovalMessage(pool, key, ref);
      return ref;
    },

    /** Edits the request to show the decisions so far (setting the same content twice is harmless). */
    async updateRunbookApproval(update: {
      message: ApprovalMessageRef;
      request: ApprovalRequest;
      decisions: ApprovalRecord[];
      status: ApprovalStatus;
    }): Promise<void> {
      if (!slack) return;
      await slack.client.chat.update({
        channel: update.message.channel,
        ts: update.message.ts,
        ...decidedMessage(update.request, update.decisions, update.status),
      });
    },

    /** Tells the escalation approvers, in the request's thread, that they may now answer. */
    async escalateRunbookApproval(escalation: {
      message: ApprovalMessageRef | undefined;
      request: ApprovalRequest;
    }): Promise<void> {
      const { request, message } = escalation;
      const text = `Escalated: ${request.runbook.title} for incident ${request.incidentId} is still waiting. ${request.approvers.map(mention).join(', ')} may now answer.`;
      if (!slack) {
        log.warn(text);
        return;
      }
      await slack.client.chat.postMessage({
        channel: message?.channel ?? slack.channel,
        ...(message ? { thread_ts: message.ts } : {}),
        text,
      });
    },

    /** Tells the incident channel that a fix could not be verified and is left for a human. */
    async escalateUnverifiedRecovery(escalation: {
      incidentId: string;
      runbook: string;
      service: string;
      reason: string;
    }): Promise<void> {
      const text = `Needs a human: ${escalation.runbook} for incident ${escalation.incidentId}: ${escalation.reason}.`;
      if (!slack) {
        log.warn(text);
        return;
      }
      await slack.client.chat.postMessage({ channel: slack.channel, text });
    },

    /** The notify-only runbook's action: a message to the incident channel, nothing else. */
    async notifyChannel({
      params,
    }: ActionRequest<{ text: string }>): Promise<ActionResult<Record<string, never>>> {
      if (!slack) {
        log.info('runbook notification (Slack not configured)', { text: params.text });
        return {
          summary: 'notification logged (Slack not configured)',
          changed: false,
          details: {},
        };
      }
      await slack.client.chat.postMessage({ channel: slack.channel, text: params.text });
      return { summary: `notified ${slack.channel}`, changed: true, details: {} };
    },
  };
}
