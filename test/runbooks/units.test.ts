import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideApproval } from '../../activities/approval-policy';
import { ledgerAnnotation, readLedger, withEntry } from '../../activities/kubernetes/ledger';
import { approvalMessage, decidedMessage } from '../../activities/slack/messages';
import type { VerifyOptions } from '../../runbooks/sdk/context';
import { isHealthy, verdictOf } from '../../runbooks/sdk/verify';
import type { ApprovalRequest } from '../../runbooks/sdk/types';
import { ConfigError, loadConfig } from '../../worker/config';
import { testPolicy } from './fakes';

describe('approval policy', () => {
  const gate = { approvers: ['oncall'], escalateTo: ['leads'] };
  it('lets low risk through, asks one approver for medium and two for high', () => {
    expect(decideApproval(testPolicy, { ...gate, risk: 'low' }).required).toBe(0);
    expect(decideApproval(testPolicy, { ...gate, risk: 'medium' })).toEqual({
      required: 1,
      approvers: ['alice', 'bob', 'slack:UALICE'],
      escalationApprovers: ['carol'],
      authorityKeys: testPolicy.authorityKeys,
    });
    expect(decideApproval(testPolicy, { ...gate, risk: 'high' }).required).toBe(2);
    expect(
      decideApproval({ ...testPolicy, twoApproversFrom: 'never' }, { ...gate, risk: 'high' })
        .required,
    ).toBe(1);
  });
});

describe('verification', () => {
  const health = {
    service: 's',
    requests: 100,
    errorRate: 0.01,
    p95LatencyMs: 300,
    from: '',
    to: '',
  };
  it('needs enough traffic, few errors and (when asked) low latency', () => {
    const o: VerifyOptions = { service: 's', within: '1 minute' };
    expect(isHealthy(health, o)).toBe(true);
    expect(isHealthy({ ...health, requests: 3 }, o)).toBe(false);
    expect(isHealthy({ ...health, errorRate: 0.2 }, o)).toBe(false);
    expect(isHealthy(health, { ...o, maxP95LatencyMs: 250 })).toBe(false);
  });

  it('says "cannot tell" on too little traffic, and "not recovered" only when measured', () => {
    const o: VerifyOptions = { service: 's', within: '1 minute' };
    expect(verdictOf(health, o).kind).toBe('recovered');
    expect(verdictOf({ ...health, requests: 0 }, o)).toMatchObject({
      kind: 'cannot_tell',
      detail: '0 requests, error rate 1.0%, p95 300 ms; fewer than 20 to judge',
    });
    expect(verdictOf({ ...health, errorRate: 0.2 }, o).kind).toBe('not_recovered');
  });
});

describe('action ledger', () => {
  it('keeps the last 20 action ids and survives a hand-edited annotation', () => {
    let ledger = readLedger(undefined);
    for (let i = 0; i < 25; i++) {
      ledger = readLedger({
        [ledgerAnnotation]: withEntry(ledger, { id: `a${i}`, summary: '', details: {}, at: '' }),
      });
    }
    expect(ledger.map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, i) => `a${i + 5}`));
    expect(readLedger({ [ledgerAnnotation]: 'not json' })).toEqual([]);
  });
});

describe('Slack approval messages', () => {
  const request: ApprovalRequest = {
    workflowId: 'runbook-INC-1',
    runId: 'r1',
    incidentId: 'INC-1',
    service: 'cart',
    runbook: { name: 'k8s-rollback', version: 1, title: 'Roll back' },
    gate: 'approve',
    describe: 'Roll shop/cart back',
    risk: 'medium',
    required: 2,
    approvers: ['alice', 'slack:U1'],
    plan: [
      {
        kind: 'step',
        name: 'rollback',
        describe: 'roll back',
        risk: 'medium',
        activity: 'k8sRollbackDeployment',
        undo: 'roll forward',
      },
    ],
    expiresAt: '2026-01-01T00:30:00.000Z',
  };

  it('carries the run and gate in both buttons, and mentions Slack approvers', () => {
    const { blocks } = approvalMessage(request);
    const actions = blocks.find((b) => b.type === 'actions') as { elements: { value: string }[] };
    for (const button of actions.elements) {
      expect(JSON.parse(button.value)).toEqual({
        workflowId: 'runbook-INC-1',
        runId: 'r1',
        gate: 'approve',
      });
    }
    expect(JSON.stringify(blocks)).toContain('alice, <@U1>');
  });

  it('keeps the buttons while approvals are pending, and drops them once decided', () => {
    const one = {
      gate: 'approve',
      decision: 'approved' as const,
      approver: 'slack:U1',
      via: 'slack' as const,
      at: '',
    };
    const pending = JSON.stringify(decidedMessage(request, [one], 'pending').blocks);
    expect(pending).toContain('Waiting: 1 of 2 approvals');
    expect(pending).toContain('runbook_approve');
    const timedOut = JSON.stringify(decidedMessage(request, [], 'timed_out').blocks);
    expect(timedOut).toContain('TIMED OUT');
    expect(timedOut).not.toContain('runbook_approve');
  });
});

describe('remediation configuration', () => {
  it('reads Slack, SSH and approval settings, and reports bad JSON by name', () => {
    const config = loadConfig({
      AIOPS_SLACK_BOT_TOKEN: 'xoxb-1',
      AIOPS_SLACK_CHANNEL: 'C1',
      AIOPS_SLACK_MODE: 'socket',
      AIOPS_APPROVERS: '{"oncall":["alice","slack:U1"]}',
      AIOPS_APPROVAL_TWO_PERSON_FROM: 'never',
      AIOPS_SSH_SCRIPTS: '{"flush":{"command":["/usr/local/bin/flush"],"undo":"warm"}}',
    });
    expect(config.remediation.slack).toMatchObject({
      botToken: 'xoxb-1',
      channel: 'C1',
      mode: 'socket',
    });
    expect(config.remediation.approval).toEqual({
      requiredFrom: 'medium',
      twoApproversFrom: 'never',
      groups: { oncall: ['alice', 'slack:U1'] },
      authorityKeys: [],
      keyFile: resolve(config.home, 'approval-authority.pem'),
    });
    expect(config.remediation.ssh.scripts.flush).toEqual({
      command: ['/usr/local/bin/flush'],
      undo: 'warm',
    });
    expect(loadConfig({}).remediation.slack).toBeUndefined();
    expect(() => loadConfig({ AIOPS_APPROVERS: '{oops' })).toThrow(ConfigError);
    expect(() => loadConfig({ AIOPS_APPROVERS: '{oops' })).toThrow(
      /AIOPS_APPROVERS: is not valid JSON/,
    );
  });
});
