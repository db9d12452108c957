import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthSource } from '../../activities/health';
import { runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookWorkflow } from '../../runbooks/sdk/runbook';
import type { ServiceHealth } from '../../runbooks/sdk/types';
import { windowStart } from '../../runbooks/sdk/verify';
import {
  bundleFixtureRunbooks,
  incidentId,
  startKubernetesRunbookRig,
  type KubernetesRunbookRig,
} from './harness';

/**
 * A service answering 100 requests a second, half of them errors from when it is added until a
 * burst that outlasts the first health read (≈ the change) by `burstMs`; then 0.2% errors.
 */
class BurstHealth implements HealthSource {
  private readonly services = new Map<string, { addedAt: number; burstEnd?: number }>();
  constructor(private readonly burstMs: number) {}
  add(service: string) {
    this.services.set(service, { addedAt: Date.now() });
  }
  async serviceHealth(service: string, since: Date): Promise<ServiceHealth> {
    const s = this.services.get(service);
    if (!s) throw new Error(`unknown service ${service}`);
    const now = Date.now();
    s.burstEnd ??= now + this.burstMs;
    const from = Math.max(since.getTime(), s.addedAt);
    const seconds = Math.max(0, now - from) / 1000;
    const burstSeconds = Math.max(0, Math.min(now, s.burstEnd) - from) / 1000;
    const requests = Math.round(100 * seconds);
    const errors = 50 * burstSeconds + 0.2 * (seconds - burstSeconds);
    return {
      service,
      requests,
      errorRate: requests ? errors / requests : 0,
      p95LatencyMs: 120,
      from: since.toISOString(),
      to: new Date(now).toISOString(),
    };
  }
}

describe('verification window: the latest traffic after the change, never before it', () => {
  it('starts at the change plus its settle time, and at most one window back', () => {
    const changedAt = Date.parse('2026-12-05T02:00:00Z');
    const at = (s: number) => changedAt + s * 1000;
    expect(windowStart({}, changedAt, at(20))).toEqual({ since: changedAt, effective: changedAt });
    expect(windowStart({}, changedAt, at(90)).since).toBe(at(30));
    expect(windowStart({ window: '10 seconds', settle: '15 seconds' }, changedAt, at(20))).toEqual({
      since: at(15),
      effective: at(15),
    });
    expect(
      windowStart({ window: '10 seconds', settle: '15 seconds' }, changedAt, at(40)).since,
    ).toBe(at(30));
  });

  describe('on a real Temporal server', () => {
    let rig: KubernetesRunbookRig;
    const health = new BurstHealth(3000);

    beforeAll(async () => {
      rig = await startKubernetesRunbookRig({
        rolloutDelayMs: 100,
        code: await bundleFixtureRunbooks(),
        health,
      });
    });
    afterAll(() => rig?.stop());

    it('passes within one window of clean traffic after a burst that outlasted the change', async () => {
      const id = incidentId('burst');
      const namespace = id.toLowerCase();
      rig.k8s.addDeployment(namespace, 'api', { replicas: 2, image: 'api:1' });
      rig.k8s.release(namespace, 'api', 'api:2');
      const service = `svc-${id}`;
      health.add(service);
      const result = await rig.env.client.workflow.execute<RunbookWorkflow>('testVerifyWindowV1', {
        taskQueue: rig.env.taskQueue,
        workflowId: runbookWorkflowId(id),
        args: [{ incidentId: id, service, namespace }],
      });
      // Judged on all traffic since the change, the 3 s of 50% errors stay above 5% for 30 s,
      // and the fix would be rolled back at 12 s.
      expect(result.outcome).toBe('succeeded');
      const rollback = result.steps.find((s) => s.name === 'rollback-api');
      expect(rollback?.status).toBe('succeeded');
    }, 60_000);
  });
});
