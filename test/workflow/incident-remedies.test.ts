import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NativeConnection, Worker } from '@temporalio/worker';
import { signalIncident } from '../../activities/incident-signal';
import { runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookInput } from '../../runbooks/sdk/types';
import type { Anomaly, IncidentCandidate, IncidentState } from '../../workflows/incident/types';
import { runbook } from '../../workflows/search-attributes';
import { connectTemporal, type TemporalTestEnv } from '../setup/temporal';

function candidate(fingerprint: string, also: Anomaly['signal'][] = []): IncidentCandidate {
  const at = new Date().toISOString();
  return {
    fingerprint,
    service: 'cart',
    services: ['cart'],
    anomalies: [
      { seriesKey: 'logs:cart:t1', service: 'cart', signal: 'logs', score: 0.97, value: 40, at },
      ...also.map((signal) => ({
        seriesKey: `${signal}:cart`,
        service: 'cart',
        signal,
        score: 0.9,
        value: 1,
        at,
      })),
    ],
    observedAt: at,
  };
}

const activities = {
  async recordIncident(_state: IncidentState) {
    return { undelivered: 0 };
  },
  async resolveRemediationTarget() {
    return {
      namespace: 'shop',
      deployment: 'cart',
      recentDeploy: { version: 'v2', firstSeen: '2026-01-01T00:00:00.000Z' },
    };
  },
  async recordIncidentInGraph() {
    return { available: true };
  },
};

describe('incident remediation attempts', () => {
  let env: TemporalTestEnv;

  beforeAll(async () => {
    env = await connectTemporal();
  });
  afterAll(async () => {
    await env.close();
  });

  async function run(
    scenario: string,
    also: Anomaly['signal'][] = [],
  ): Promise<{ state: IncidentState; workflowId: string }> {
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    try {
      const worker = await Worker.create({
        connection,
        taskQueue: env.taskQueue,
        workflowsPath: join(__dirname, 'remedy-fakes', 'workflows.ts'),
        activities,
      });
      return await worker.runUntil(async () => {
        const fingerprint = `${scenario}-${randomUUID().slice(0, 8)}`;
        const workflowId = await signalIncident(env.client, candidate(fingerprint, also), {
          taskQueue: env.taskQueue,
          quietPeriodSeconds: 1,
        });
        const state = await env.client.workflow.getHandle(workflowId).result();
        return { state, workflowId };
      });
    } finally {
      await connection.close();
    }
  }

  /** The input each runbook attempt of the incident was started with, in order. */
  async function attemptInputs(incidentId: string, attempts: number) {
    const inputs: RunbookInput[] = [];
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const history = await env.client.workflow
        .getHandle(runbookWorkflowId(incidentId, attempt))
        .fetchHistory();
      const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
      inputs.push(JSON.parse(Buffer.from(started.input!.payloads![0]!.data!).toString()));
    }
    return inputs;
  }

  it('tries the next fitting remedy after one that could not act', async () => {
    const { state, workflowId } = await run('next');
    expect(state.remedies).toEqual([
      'k8s-rollback v2: not_applicable',
      'k8s-rollout-restart v1: succeeded',
    ]);
    expect(state.remediationOutcome).toBe('succeeded');
    expect(state.resolution).toBe('no new anomaly for 1 s');
    expect(state.notes).toContain(
      'runbook k8s-rollout-restart v1 (attempt 2 of at most 3): least risky remedy for logs faults',
    );
    const inputs = await attemptInputs(state.incidentId, 2);
    expect(inputs.map((i) => i.symptom)).toEqual([
      { incidentWorkflowId: workflowId, clearedAfterSeconds: 1 },
      { incidentWorkflowId: workflowId, clearedAfterSeconds: 1 },
    ]);
    const described = await env.client.workflow.getHandle(workflowId).describe();
    expect(described.typedSearchAttributes.get(runbook)).toBe('k8s-rollout-restart v1');
  }, 60_000);

  it('passes each attempt the symptom its verification must see come back', async () => {
    const { state } = await run('next', ['saturation', 'errors', 'traffic']);
    const [first, second] = await attemptInputs(state.incidentId, 2);
    const check = first!.symptom!.check!;
    expect(check.signals).toEqual(['errors', 'latency']);
    // The service's health before the incident: baselineMinutes (10) ending before the fault.
    const baselineTo = Date.parse(check.baselineTo);
    expect(baselineTo).toBeLessThan(Date.parse(state.openedAt));
    expect(baselineTo - Date.parse(check.baselineFrom)).toBe(10 * 60_000);
    expect(second!.symptom!.check).toEqual(check);
  }, 60_000);

  it('never runs a runbook twice, and stops after the fitting ones (at most 3)', async () => {
    const { state } = await run('allfail');
    expect(state.remedies).toEqual([
      'k8s-rollback v2: failed',
      'k8s-rollout-restart v1: rolled_back',
      'notify-only v1: failed',
    ]);
    expect(state.remediationOutcome).toBe('failed');
  }, 60_000);

  it('tries nothing after a human rejected the remedy', async () => {
    const { state } = await run('rejected');
    expect(state.remedies).toEqual(['k8s-rollback v2: rejected']);
  }, 60_000);

  it('records that the incident recovered by itself when the symptom cleared before the change', async () => {
    const { state } = await run('cleared');
    expect(state.remedies).toEqual(['k8s-rollback v2: not_needed']);
    expect(state.remediationOutcome).toBe('not_needed');
    expect(state.resolution).toBe(
      'no new anomaly for 1 s; recovered by itself before k8s-rollback v2 acted',
    );
  }, 60_000);

  it('gives no credit to a success whose change came after the fault had passed', async () => {
    const { state } = await run('late');
    expect(state.remedies).toEqual(['k8s-rollback v2: succeeded']);
    expect(state.remediationOutcome).toBe('not_needed');
    expect(state.resolution).toMatch(
      /^no new anomaly for 1 s; recovered by itself: its last anomaly began at \S+, before k8s-rollback v2's first change at \S+$/,
    );
  }, 60_000);
});
