import '../../activities/undici-node20';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workloadEvidence, workloadSuggests } from '../../activities/kubernetes/evidence';
import { workloadSignals } from '../../activities/kubernetes/signals';
import { rankWindow } from '../../activities/investigation';
import { recordAlerts } from '../../store/alerts';
import { createIsolatedDatabase } from '../setup/database';
import { startK8sStandin, type K8sStandin } from '../k8s-standin/server';

/**
 * Kubernetes' account of a workload through @kubernetes/client-node, against the stand-in API
 * server (no real API server can run here) serving pods and events in the API's own shapes.
 */
describe('Kubernetes state as evidence', () => {
  let k8s: K8sStandin;
  let kc: KubeConfig;
  const since = new Date(Date.now() - 10 * 60_000);

  beforeAll(async () => {
    k8s = await startK8sStandin();
    kc = new KubeConfig();
    kc.loadFromString(k8s.kubeconfig());
    k8s.addDeployment('shop', 'cart', { replicas: 1, image: 'cart:1.0' });
    k8s.release('shop', 'cart', 'cart:1.1');
    const podLabels = k8s.deployment('shop', 'cart')!.spec.selector.matchLabels;
    k8s.addPod({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'cart-6d5f8b7c9d-q2x7z', namespace: 'shop', labels: podLabels },
      spec: { containers: [{ name: 'cart', image: 'cart:1.1' }] },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'cart',
            image: 'cart:1.1',
            imageID: '',
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
            lastState: {
              terminated: {
                reason: 'OOMKilled',
                exitCode: 137,
                finishedAt: new Date(Date.now() - 30_000).toISOString(),
              },
            },
          },
        ],
      },
    });
    k8s.addPod({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'other-0', namespace: 'shop', labels: { app: 'other' } },
      status: { phase: 'Running' },
    });
    const event = (name: string, type: string, reason: string, ago: number) => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${name}.${reason}`, namespace: 'shop' },
      involvedObject: { kind: 'Pod', name, namespace: 'shop' },
      type,
      reason,
      message: `${reason} of ${name}`,
      count: 2,
      lastTimestamp: new Date(Date.now() - ago).toISOString(),
    });
    k8s.addEvent(event('cart-6d5f8b7c9d-q2x7z', 'Warning', 'BackOff', 20_000));
    k8s.addEvent(event('cart-6d5f8b7c9d-q2x7z', 'Normal', 'Pulled', 20_000));
    k8s.addEvent(event('cart-6d5f8b7c9d-q2x7z', 'Warning', 'Unhealthy', 3_600_000));
    k8s.addEvent(event('other-0', 'Warning', 'BackOff', 20_000));
  });
  afterAll(() => k8s?.close());

  it('reads it as findings for the ranking: OOMKilled, a crash loop, the back-off, the rollouts', async () => {
    const e = await workloadEvidence(kc, { namespace: 'shop', deployment: 'cart' }, since);
    const signals = workloadSignals('cart', e!, since);
    expect(signals.map((s) => s.finding).sort()).toEqual([
      'crashing',
      'crashing',
      'oomKilled',
      'rollout',
      'rollout',
    ]);
    expect(signals.find((s) => s.finding === 'oomKilled')?.detail).toBe(
      'k8s: pod cart-6d5f8b7c9d-q2x7z container cart OOMKilled (exit 137, 3 restarts)',
    );
    // Before the window, the same OOMKilled is history: the restart count alone says nothing.
    const later = new Date(Date.now() + 60_000);
    expect(workloadSignals('cart', { ...e!, events: [], rollouts: [] }, later)).toEqual([
      expect.objectContaining({
        finding: 'crashing',
        detail: expect.stringContaining('CrashLoopBackOff'),
      }),
    ]);
  });

  it('makes a service named only by an alert a candidate, with what the cluster says of it', async () => {
    const db = await createIsolatedDatabase();
    try {
      const now = Date.now();
      await recordAlerts(db.pool, [
        {
          tenant: 'default',
          source: 'alertmanager',
          fingerprint: 'f1',
          status: 'firing',
          service: 'cart',
          labels: { alertname: 'CartErrors', severity: 'critical' },
          annotations: {},
          startsAt: new Date(now - 60_000),
          endsAt: undefined,
          generatorUrl: undefined,
        },
      ]);
      // The alert names no namespace: the kubeconfig's context says where to look.
      const inShop = new KubeConfig();
      inShop.loadFromString(
        k8s.kubeconfig().replace('user: standin }', 'user: standin, namespace: shop }'),
      );
      const { ranking } = await rankWindow(db.pool, {
        faultStart: new Date(now - 120_000),
        end: new Date(now),
        baselineMs: 5 * 60_000,
        kube: inShop,
      });
      expect(ranking.map((c) => c.service)).toEqual(['cart']);
      expect(ranking[0]!.kind).toBe('memory');
      expect(ranking[0]!.evidence.outside).toEqual(
        expect.arrayContaining([
          'k8s: pod cart-6d5f8b7c9d-q2x7z container cart OOMKilled (exit 137, 3 restarts)',
          expect.stringMatching(/^alert CartErrors \(critical\) fired at /),
        ]),
      );
    } finally {
      await db.drop();
    }
  });

  it("reports the pod's phase, restarts, OOMKilled, the window's warnings and the rollout", async () => {
    const e = await workloadEvidence(kc, { namespace: 'shop', deployment: 'cart' }, since);
    expect(e).toBeDefined();
    expect(e!.pods).toEqual([{ name: 'cart-6d5f8b7c9d-q2x7z', phase: 'Running' }]);
    expect(e!.containers).toEqual([
      {
        pod: 'cart-6d5f8b7c9d-q2x7z',
        container: 'cart',
        ready: false,
        restarts: 3,
        waitingReason: 'CrashLoopBackOff',
        lastTermination: { reason: 'OOMKilled', exitCode: 137, finishedAt: expect.any(String) },
      },
    ]);
    expect(e!.events.map((x) => [x.object, x.reason])).toEqual([
      ['cart-6d5f8b7c9d-q2x7z', 'BackOff'],
    ]);
    expect(e!.rollouts.map((r) => r.revision)).toEqual([1, 2]);
    expect(workloadSuggests(e!)).toBe('memory');
  });

  it('says nothing of a service that does not run there', async () => {
    expect(await workloadEvidence(kc, { namespace: 'shop', deployment: 'nope' }, since)).toBe(
      undefined,
    );
  });
});
