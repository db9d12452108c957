import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NativeConnection, Worker } from '@temporalio/worker';
import { signalIncident } from '../../activities/incident-signal';
import { runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookInput } from '../../runbooks/sdk/types';
import type { IncidentCandidate, IncidentState } from '../../workflows/incident/types';
import { rootCause, rootCauseRevisedFrom } from '../../workflows/search-attributes';
import { connectTemporal, type TemporalTestEnv } from '../setup/temporal';

function candidate(fingerprint: string): IncidentCandidate {
  const at = new Date().toISOString();
  return {
    fingerprint,
    service: 'order',
    services: ['order'],
    anomalies: [
      { seriesKey: 'logs:order:t1', service: 'order', signal: 'logs', score: 0.97, value: 40, at },
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
      deployment: 'x',
      recentDeploy: { version: 'v2', firstSeen: '2026-01-01T00:00:00.000Z' },
    };
  },
  async recordIncidentInGraph() {
    return { available: true };
  },
};

describe('an incident ranks again when its window has matured', () => {
  let env: TemporalTestEnv;

  beforeAll(async () => {
    env = await connectTemporal();
  });
  afterAll(async () => {
    await env.close();
  });

  async function run(scenario: string, quietPeriodSeconds: number, maturedRankSeconds = 2) {
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    try {
      const worker = await Worker.create({
        connection,
        taskQueue: env.taskQueue,
        workflowsPath: join(__dirname, 'rerank-fakes', 'workflows.ts'),
        activities,
      });
      return await worker.runUntil(async () => {
        const fingerprint = `${scenario}-${randomUUID().slice(0, 8)}`;
        const workflowId = await signalIncident(env.client, candidate(fingerprint), {
          taskQueue: env.taskQueue,
          quietPeriodSeconds,
          maturedRankSeconds,
        });
        const handle = env.client.workflow.getHandle(workflowId);
        const state = await handle.result();
        const history = await handle.fetchHistory();
        const children = history
          .events!.map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
          .filter((id): id is string => !!id);
        return { state, described: await handle.describe(), children };
      });
    } finally {
      await connection.close();
    }
  }

  async function runbookService(incidentId: string): Promise<string> {
    const history = await env.client.workflow
      .getHandle(runbookWorkflowId(incidentId, 1))
      .fetchHistory();
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    const input = JSON.parse(
      Buffer.from(started.input!.payloads![0]!.data!).toString(),
    ) as RunbookInput;
    return input.service;
  }

  it('keeps the matured answer, says it revised the root cause, and remediates on it', async () => {
    const { state, described, children } = await run('revise', 6);
    expect(children).toEqual([
      `investigation-${state.incidentId}`,
      `investigation-${state.incidentId}-matured`,
      runbookWorkflowId(state.incidentId, 1),
    ]);
    expect(state.rootCause?.service).toBe('travel');
    expect(state.rootCauseRevisedFrom).toBe('order');
    expect(state.summary).toBe('travel logs new errors');
    expect(
      state.notes?.some((n: string) => n.startsWith('root cause revised from order to travel: ')),
    ).toBe(true);
    expect(described.typedSearchAttributes.get(rootCause)).toBe('travel');
    expect(described.typedSearchAttributes.get(rootCauseRevisedFrom)).toBe('order');
    expect(await runbookService(state.incidentId)).toBe('travel');
  }, 60_000);

  it('acts on a decisive opening ranking at once and does not rank again', async () => {
    const { state, described, children } = await run('decisive', 6);
    expect(children).toEqual([
      `investigation-${state.incidentId}`,
      runbookWorkflowId(state.incidentId, 1),
    ]);
    expect(state.rootCause?.service).toBe('order');
    expect(state.rootCauseRevisedFrom).toBeUndefined();
    expect(described.typedSearchAttributes.get(rootCauseRevisedFrom)).toBeUndefined();
  }, 60_000);

  it('ranks again at once when the incident went quiet before its window matured', async () => {
    const started = Date.now();
    const { state, children } = await run('quiet', 1, 30);
    // Long before the 30 s it would have waited for the window to mature.
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(children).toEqual([
      `investigation-${state.incidentId}`,
      `investigation-${state.incidentId}-matured`,
      runbookWorkflowId(state.incidentId, 1),
    ]);
    expect(state.rootCause?.service).toBe('travel');
    expect(state.rootCauseRevisedFrom).toBe('order');
    expect(state.status).toBe('resolved');
  }, 60_000);
});
