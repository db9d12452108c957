import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signalIncident } from '../../activities/incident-signal';
import { createPool, type Pool } from '../../store/db';
import { closeIncident } from '../../workflows/incident/messages';
import type { IncidentCandidate } from '../../workflows/incident/types';
import { startK8sStandin, type K8sStandin } from '../k8s-standin/server';
import { connectTemporal, type TemporalTestEnv } from '../setup/temporal';
import {
  FakeHealth,
  kubeConfigFor,
  startRunbook,
  startRunbookWorker,
  testPolicy,
  type RunningWorker,
} from './harness';

function candidate(fingerprint: string): IncidentCandidate {
  const at = new Date().toISOString();
  return {
    fingerprint,
    service: 'web',
    services: ['web'],
    anomalies: [
      { seriesKey: 'svc:web:p95', service: 'web', signal: 'latency', score: 0.97, value: 900, at },
    ],
    observedAt: at,
  };
}

describe('a runbook re-checks its incident before its first change', () => {
  let env: TemporalTestEnv;
  let k8s: K8sStandin;
  let pool: Pool;
  let worker: RunningWorker;
  let incidentWorkflowId: string;

  beforeAll(async () => {
    [env, k8s] = await Promise.all([connectTemporal(), startK8sStandin({ rolloutDelayMs: 0 })]);
    pool = createPool(inject('databaseUrl'));
    worker = await startRunbookWorker({
      taskQueue: env.taskQueue,
      deps: {
        pool,
        client: env.client,
        kube: (await kubeConfigFor(k8s)).kube,
        health: new FakeHealth(),
        approvalPolicy: testPolicy,
      },
    });
    // An open incident whose only anomaly was heard now: it stays open for ten minutes.
    const fingerprint = `symptom-${Math.random().toString(36).slice(2, 8)}`;
    incidentWorkflowId = await signalIncident(env.client, candidate(fingerprint), {
      taskQueue: env.taskQueue,
      quietPeriodSeconds: 600,
    });
    await new Promise((r) => setTimeout(r, 2_000));
  });
  afterAll(async () => {
    await env.client.workflow
      .getHandle(incidentWorkflowId)
      .executeUpdate(closeIncident, { args: [{ by: 'test', reason: 'done' }] });
    await worker.stop();
    await k8s.close();
    await pool.end();
    await env.close();
  });

  async function scaleOut(deployment: string, symptom?: { clearedAfterSeconds: number }) {
    k8s.addDeployment('shop', deployment, { replicas: 2, image: `${deployment}:1` });
    const handle = await startRunbook(
      env,
      'k8sScaleOutV2',
      {
        service: deployment,
        namespace: 'shop',
        deployment,
        ...(symptom && { symptom: { incidentWorkflowId, ...symptom } }),
      },
      deployment,
    );
    const result = await handle.result();
    return { result, patches: k8s.patches.filter((p) => p.name === deployment) };
  }

  it('ends not_needed and changes nothing when the incident has been quiet for its period', async () => {
    // Quiet for 2 s of a 1 s period: the symptom cleared before the first change.
    const { result, patches } = await scaleOut('quiet', { clearedAfterSeconds: 1 });
    expect(result.outcome).toBe('not_needed');
    expect(result.reason).toMatch(
      /^cleared before action: the incident heard no anomaly for \d+ s/,
    );
    expect(result.steps).toEqual([]);
    expect(patches).toEqual([]);
  });

  it('acts while the symptom still holds, and records when its change began', async () => {
    const { result, patches } = await scaleOut('sick', { clearedAfterSeconds: 600 });
    expect(result.outcome).toBe('succeeded');
    expect(result.steps).toMatchObject([{ name: 'scale-out', status: 'succeeded' }]);
    expect(Date.parse(result.steps[0]!.startedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(patches).toHaveLength(1);
  });

  it('acts as before when run without an incident to check', async () => {
    const { result, patches } = await scaleOut('by-hand');
    expect(result.outcome).toBe('succeeded');
    expect(patches).toHaveLength(1);
  });
});
