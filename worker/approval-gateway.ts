// Bolt loads undici through @slack/socket-mode; on Node 20 it needs these gaps filled first.
import '../activities/undici-node20';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, type BlockButtonAction } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import {
  approvalBlockId,
  approveActionId,
  rejectActionId,
  type ApprovalButtonValue,
} from '../activities/slack/messages';
import type { RemediationConfig } from './config';
import type { ApprovalAuthority } from './approval-authority';
import { approvalsEndpoint, type GatewayParts } from './approvals-endpoint';
import { approverDirectory } from './approver-identities';
import { sendApproval } from './commands/approve';
import { slackRequestGuard } from './slack-request-guard';

export type SlackGatewaySettings = NonNullable<RemediationConfig['slack']>;
export type GatewaySettings = Pick<RemediationConfig['gateway'], 'host' | 'port' | 'identities'>;

export interface ApprovalGateway {
  /** The HTTP port: `/approvals` for the CLI and, in Slack's HTTP mode, `/slack/events`. */
  port: number;
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
 * The approval authority's front door: it verifies who answers and signs a statement saying so,
 * which is the only form of answer a runbook accepts. Slack presses are verified by Slack's
 * request signature (with replays and future timestamps refused) and answered as the person the
 * Slack user maps to; `aiops approve` authenticates with a personal token and gets the statement
 * to send itself. The workflow's validator then decides whether that person may answer. The
 * request message is edited by the runbook once the decision is recorded; a refused press only
 * gets an ephemeral note to the presser.
 */
export async function startApprovalGateway(opts: {
  temporal: Client;
  gateway: GatewaySettings;
  authority: ApprovalAuthority;
  slack?: SlackGatewaySettings;
  log?: (line: string) => void;
}): Promise<ApprovalGateway> {
  const { slack, temporal, authority } = opts;
  const log = opts.log ?? ((line: string) => console.log(`[approval-gateway] ${line}`));
  const directory = approverDirectory(opts.gateway.identities);
  const bolt = slack ? slackApp({ slack, temporal, authority, directory, log }) : undefined;
  const cli = approvalsEndpoint({ temporal, authority, directory, log });

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (req.method === 'POST' && path === '/approvals') return void cli(req, res);
    if (req.method === 'POST' && path === '/slack/events' && bolt?.receiver) {
      return void bolt.receiver(req, res);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: opts.gateway.host, port: opts.gateway.port }, resolve);
  });
  await bolt?.start();
  const port = (server.address() as AddressInfo).port;
  log(
    `listening on ${opts.gateway.host}:${port} (/approvals${bolt?.receiver ? ', /slack/events' : ''})` +
      (slack?.mode === 'socket' ? '; connected to Slack (Socket Mode)' : ''),
  );
  return {
    port,
    async stop() {
      await bolt?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Bolt, with Approve/Reject presses turned into signed answers by the pressing person. */
function slackApp({
  slack,
  temporal,
  authority,
  directory,
  log,
}: GatewayParts & { slack: SlackGatewaySettings }) {
  const socketMode = slack.mode === 'socket';
  if (socketMode && !slack.appToken) throw new Error('Socket Mode needs AIOPS_SLACK_APP_TOKEN');
  if (!socketMode && !slack.signingSecret) {
    throw new Error('HTTP mode needs AIOPS_SLACK_SIGNING_SECRET to verify requests');
  }
  const receiver = socketMode
    ? undefined
    : new HTTPReceiver({ signingSecret: slack.signingSecret ?? '', logLevel: LogLevel.ERROR });
  const app = new App({
    token: slack.botToken,
    ...(receiver ? { receiver } : { socketMode: true, appToken: slack.appToken }),
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
      const approver = directory.slackUser(user);
      const answer = await sendApproval(
        temporal,
        target,
        authority.issue({ ...target, decision, approver, via: 'slack' }),
      );
      if (answer.recorded) {
        log(
          `${decision} by ${approver} (slack:${user}) on ${target.workflowId}: ${answer.ack.status}`,
        );
        return;
      }
      log(
        `refused ${decision} by ${approver} (slack:${user}) on ${target.workflowId}: ${answer.reason}`,
      );
      if (channel) {
        await client.chat.postEphemeral({
          channel,
          user,
          text: `Your answer was not recorded: ${answer.reason}`,
        });
      }
    },
  );

  const guard = receiver ? slackRequestGuard(slack.signingSecret ?? '') : undefined;
  return {
    receiver:
      receiver && guard
        ? async (req: IncomingMessage, res: ServerResponse) => {
            const verdict = await guard(req);
            if (!verdict.ok) {
              log(`refused a Slack request: ${verdict.reason}`);
              res.writeHead(401).end();
              return;
            }
            receiver.requestListener(req, res);
          }
        : undefined,
    start: async () => {
      if (socketMode) await app.start();
    },
    stop: async () => {
      if (socketMode) await app.stop();
    },
  };
}
