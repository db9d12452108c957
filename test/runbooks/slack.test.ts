import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSlackClient } from '../../activities/slack';
import { approvalBlockId, approveActionId, rejectActionId } from '../../activities/slack/messages';
import { runbookStatusQuery, runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookWorkflow } from '../../runbooks/sdk/runbook';
import { approvalsOfIncident } from '../../store/approvals';
import { createPool, type Pool } from '../../store/db';
import { startApprovalGateway, type ApprovalGateway } from '../../worker/approval-gateway';
import { tokenDigest } from '../../worker/approver-identities';
import { requestStatement, sendApproval } from '../../worker/commands/approve';
import { startK8sStandin, type K8sStandin } from '../k8s-standin/server';
import { buttonPayload, postInteraction } from '../fixtures/slack-standin/interactions';
import { startSlackStandin, type SlackStandin } from '../fixtures/slack-standin/server';
import { connectTemporal, type TemporalTestEnv } from '../setup/temporal';
import {
  awaitingApproval,
  FakeHealth,
  incidentId,
  kubeConfigFor,
  startRunbookWorker,
  testAuthority,
  testPolicy,
  waitForStatus,
  type RunningWorker,
} from './harness';

const signingSecret = 'test-signing-secret-8f2b';
const channel = 'C0INCIDENTS';
const carolToken = 'tok-carol-41b7';
/** Carol answers from Slack (UCAROL) and the CLI (her token); the gateway knows both are her. */
const identities = {
  carol: { slack: ['UCAROL'], tokens: [tokenDigest(carolToken).toString('hex')] },
  bob: { slack: ['UBOB'] },
};

/**
 * Approvals from Slack: the request is posted through the Web API (to the stand-in), button
 * presses are posted to the gateway's Bolt HTTP receiver signed as Slack signs them, and become
 * the runbook's `approve` Update; bad signatures, stale timestamps and outsiders change nothing.
 */
describe('Slack approvals through the Bolt gateway', () => {
  let env: TemporalTestEnv;
  let pool: Pool;
  let k8s: K8sStandin;
  let slack: SlackStandin;
  let worker: RunningWorker;
  let gateway: ApprovalGateway;
  let interactionsUrl: string;

  beforeAll(async () => {
    [env, k8s, slack] = await Promise.all([
      connectTemporal(),
      startK8sStandin(),
      startSlackStandin(),
    ]);
    pool = createPool(inject('databaseUrl'));
    worker = await startRunbookWorker({
      taskQueue: env.taskQueue,
      deps: {
        pool,
        kube: (await kubeConfigFor(k8s)).kube,
        slack: { client: createSlackClient('xoxb-test', slack.apiUrl), channel },
        health: new FakeHealth(),
        approvalPolicy: testPolicy,
      },
    });
    gateway = await startApprovalGateway({
      temporal: env.client,
      gateway: { host: '127.0.0.1', port: 0, identities },
      authority: testAuthority,
      slack: {
        botToken: 'xoxb-test',
        signingSecret,
        appToken: undefined,
        channel,
        mode: 'http',
        apiUrl: slack.apiUrl,
      },
      log: () => undefined,
    });
    interactionsUrl = `http://127.0.0.1:${gateway.port}/slack/events`;
  });
  afterAll(async () => {
    await gateway?.stop();
    await worker?.stop();
    await Promise.all([k8s?.close(), slack?.close()]);
    await pool?.end();
    await env?.close();
  });

  /** Starts a restart runbook and returns it with its posted approval request. */
  async function requestApproval(label: string, taskQueue = env.taskQueue) {
    const id = incidentId(label);
    k8s.addDeployment('shop', id.toLowerCase(), { replicas: 1, image: 'app:1' });
    const handle = await env.client.workflow.start<RunbookWorkflow>('k8sRolloutRestartV1', {
      taskQueue,
      workflowId: runbookWorkflowId(id),
      args: [
        {
          incidentId: id,
          service: 'cart',
          namespace: 'shop',
          deployment: id.toLowerCase(),
          summary: 'checkout errors at 12%',
          rootCause: { service: 'cart', kind: 'saturation', score: 0.82 },
        },
      ],
    });
    await waitForStatus(handle, awaitingApproval);
    const post = await slack.waitFor('chat.postMessage', (a) => String(a.text).includes(id));
    const blocks = post.args.blocks as {
      type: string;
      elements?: { action_id: string; value: string }[];
    }[];
    const buttons = blocks.find((b) => b.type === 'actions')?.elements ?? [];
    const ts = [...slack.messages.values()].find((m) => m.text?.includes(id))?.ts ?? '';
    const press = (userId: string, actionId: string) =>
      buttonPayload({
        userId,
        actionId,
        blockId: approvalBlockId,
        value: buttons.find((b) => b.action_id === actionId)?.value ?? '',
        channel,
        messageTs: ts,
      });
    return { id, handle, blocks, ts, press };
  }

  async function unchanged(handle: WorkflowHandle<RunbookWorkflow>) {
    const status = await handle.query(runbookStatusQuery);
    expect(status.phase).toBe('awaiting_approval');
    expect(status.awaiting?.approvedBy).toEqual([]);
    expect(status.approvals).toEqual([]);
  }

  it('posts the request with summary, root cause, plan, risk and buttons', async () => {
    const { blocks } = await requestApproval('post');
    const text = JSON.stringify(blocks);
    expect(text).toContain('checkout errors at 12%');
    expect(text).toContain('cart (saturation, score 0.82)');
    expect(text).toContain('medium risk');
    expect(text).toContain('rolling restart of deployment');
    expect(text).toContain(approveActionId);
    expect(text).toContain(rejectActionId);
  });

  it('an approve press from an approver becomes the Update; the message shows the decision', async () => {
    const { handle, press, ts } = await requestApproval('approve');
    const sentAt = { timestamp: Math.floor(Date.now() / 1000) };
    const payload = press('UALICE', approveActionId);
    const res = await postInteraction(interactionsUrl, signingSecret, payload, sentAt);
    expect(res.status).toBe(200);
    // The same signed request again (a replay) is refused before Bolt sees it.
    const replay = await postInteraction(interactionsUrl, signingSecret, payload, sentAt);
    expect(replay.status).toBe(401);
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    expect(result.approvals).toMatchObject([
      { approver: 'slack:UALICE', via: 'slack', decision: 'approved' },
    ]);
    await slack.waitFor('chat.update', (a) => a.ts === ts);
    const edited = JSON.stringify(slack.messages.get(ts)?.blocks);
    expect(edited).toContain('APPROVED');
    expect(edited).toContain('<@UALICE> via slack');
    expect(edited).not.toContain(approveActionId);
  });

  it('a reject press rolls the run back', async () => {
    const { handle, press } = await requestApproval('reject');
    expect(
      (await postInteraction(interactionsUrl, signingSecret, press('UALICE', rejectActionId)))
        .status,
    ).toBe(200);
    expect(await handle.result()).toMatchObject({
      outcome: 'rejected',
      reason: 'rejected by slack:UALICE via slack',
    });
  });

  it('refuses a bad signature, a stale timestamp and an unauthorised user; the run is unchanged', async () => {
    const { handle, press } = await requestApproval('refuse');
    const payload = press('UALICE', approveActionId);

    const forged = await postInteraction(interactionsUrl, 'not-the-secret', payload);
    expect(forged.status).toBe(401);
    await unchanged(handle);

    const stale = await postInteraction(interactionsUrl, signingSecret, payload, {
      timestamp: Math.floor(Date.now() / 1000) - 10 * 60,
    });
    expect(stale.status).toBe(401);
    await unchanged(handle);

    const ahead = await postInteraction(interactionsUrl, signingSecret, payload, {
      timestamp: Math.floor(Date.now() / 1000) + 10 * 60,
    });
    expect(ahead.status).toBe(401);
    await unchanged(handle);

    const outsider = await postInteraction(
      interactionsUrl,
      signingSecret,
      press('UMALLORY', approveActionId),
    );
    expect(outsider.status).toBe(200);
    const note = await slack.waitFor('chat.postEphemeral', (a) => a.user === 'UMALLORY');
    expect(String(note.args.text)).toMatch(
      /not recorded: slack:UMALLORY may not approve k8s-rollout-restart v1/,
    );
    await unchanged(handle);

    await handle.cancel();
    expect((await handle.result()).outcome).toBe('rolled_back');
  });

  it('one person under two names (Slack and CLI) counts once towards a two-person gate', async () => {
    const taskQueue = `${env.taskQueue}-two`;
    const strict = await startRunbookWorker({
      taskQueue,
      deps: {
        pool,
        kube: (await kubeConfigFor(k8s)).kube,
        slack: { client: createSlackClient('xoxb-test', slack.apiUrl), channel },
        health: new FakeHealth(),
        // `slack:UCAROL` is listed as if it were someone else: the gateway still answers as carol.
        approvalPolicy: {
          ...testPolicy,
          twoApproversFrom: 'medium',
          groups: { oncall: ['carol', 'bob', 'slack:UCAROL'] },
        },
      },
    });
    try {
      const { id, handle, press } = await requestApproval('two-names', taskQueue);
      const statement = await requestStatement(`http://127.0.0.1:${gateway.port}`, carolToken, {
        incidentId: id,
        decision: 'approve',
      });
      if ('error' in statement) throw new Error(statement.error);
      const viaCli = await sendApproval(env.client, statement, statement.approval);
      expect(viaCli).toMatchObject({ recorded: true, ack: { status: 'pending', approvals: 1 } });

      await postInteraction(interactionsUrl, signingSecret, press('UCAROL', approveActionId));
      const note = await slack.waitFor('chat.postEphemeral', (a) => a.user === 'UCAROL');
      expect(String(note.args.text)).toMatch(/not recorded: carol has already answered/);
      expect((await handle.query(runbookStatusQuery)).awaiting?.approvedBy).toEqual(['carol']);

      await postInteraction(interactionsUrl, signingSecret, press('UBOB', approveActionId));
      expect((await handle.result()).outcome).toBe('succeeded');
      expect(
        (await approvalsOfIncident(pool, id)).map((a) => [a.approver, a.via, a.decision]),
      ).toEqual([
        ['carol', 'cli', 'approved'],
        ['bob', 'slack', 'approved'],
      ]);
    } finally {
      await strict.stop();
    }
  });
});
