// Bolt loads undici through @slack/socket-mode; on Node 20 it needs these gaps filled first.
import '../activities/undici-node20';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, type BlockButtonAction } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import {
  approvalBlockId,
  approveActionId,
  rejectActionId,
  type ApprovalButtonValue,
} from '../activities/slack/messages';
import type { RemediationConfig } from './config';
import { sendApproval } from './commands/approve';

export type SlackGatewaySettings = NonNullable<RemediationConfig['slack']>;

export interface ApprovalGateway {
  /** The HTTP port Slack posts interactions to (HTTP mode only). */
  port: number | undefined;
  stop(): Promise<void>;
}

function buttonTarget(value: string | undefined): ApprovalButtonValue | undefined {
  try {
    const v = JSON.parse(value ?? '') as Partial<ApprovalButtonValue>;
    return typeof v.workflowId === 'string' &&
      typeof v.runId === 'string' &&
      typeof v.gate === 'string'
      ? { workflowId: v.workflowId, runId: v.runId, gate: v.gate }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Slack side of approvals: Approve/Reject presses on a runbook's request become its
 * `approve` Update, as `slack:<user id>`. Bolt checks each request's signature and timestamp
 * (HTTP mode) before we see it; the workflow's validator decides whether that user may answer.
 * The request message itself is edited by the runbook once the decision is recorded; a refused
 * press only gets an ephemeral note to the presser.
 */
export async function startApprovalGateway(opts: {
  temporal: Client;
  slack: SlackGatewaySettings;
  log?: (line: string) => void;
}): Promise<ApprovalGateway> {
  const { slack, temporal } = opts;
  const log = opts.log ?? ((line: string) => console.log(`[approval-gateway] ${line}`));
  const socketMode = slack.mode === 'socket';
  if (socketMode && !slack.appToken) throw new Error('Socket Mode needs AIOPS_SLACK_APP_TOKEN');
  if (!socketMode && !slack.signingSecret) {
    throw new Error('HTTP mode needs AIOPS_SLACK_SIGNING_SECRET to verify requests');
  }
  const app = new App({
    token: slack.botToken,
    ...(socketMode
      ? { socketMode: true, appToken: slack.appToken }
      : { signingSecret: slack.signingSecret }),
    logLevel: LogLevel.ERROR,
    ...(slack.apiUrl ? { clientOptions: { slackApiUrl: slack.apiUrl } } : {}),
  });

  app.action<BlockButtonAction>(
    {
      block_id: approvalBlockId,
      action_id: new RegExp(`^(${approveActionId}|${rejectActionId})$`),
    },
    async ({ ack, body, action, client }) => {
      await ack();
      const target = buttonTarget(action.value);
      const user = body.user.id;
      const channel = body.channel?.id ?? body.container.channel_id;
      if (!target) {
        log(`ignored a press by ${user} with an unreadable button value`);
        return;
      }
      const decision = action.action_id === approveActionId ? 'approve' : 'reject';
      const answer = await sendApproval(temporal, target, {
        decision,
        approver: `slack:${user}`,
        via: 'slack',
        gate: target.gate,
      });
      if (answer.recorded) {
        log(`${decision} by slack:${user} on ${target.workflowId}: ${answer.ack.status}`);
        return;
      }
      log(`refused ${decision} by slack:${user} on ${target.workflowId}: ${answer.reason}`);
      if (channel) {
        await client.chat.postEphemeral({
          channel,
          user,
          text: `Your answer was not recorded: ${answer.reason}`,
        });
      }
    },
  );

  const started = (socketMode ? await app.start() : await app.start(slack.port)) as
    Server | undefined;
  const port = socketMode ? undefined : (started?.address() as AddressInfo | null)?.port;
  log(socketMode ? 'connected to Slack (Socket Mode)' : `listening on :${port}/slack/events`);
  return { port, stop: () => app.stop().then(() => undefined) };
}
