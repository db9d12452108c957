import '../../activities/undici-node20';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubernetesActivities } from '../../activities/kubernetes';
import { workloadEvidence } from '../../activities/kubernetes/evidence';
import { workloadSignals } from '../../activities/kubernetes/signals';
import { onlineBoutique } from '../../simulator/online-boutique';
import { DemoWorld, demoNamespace } from '../../worker/demo/world';
import { startK8sStandin, type K8sStandin } from '../k8s-standin/server';
import { kubeConfigFor } from '../runbooks/harness';

/**
 * The demo world's OOM kill, as the engine meets it through @kubernetes/client-node: the cluster
 * says OOMKilled, the traffic leaks, a restart changes nothing, raising the limit ends it.
 */
describe("the demo world's OOM-kill fault", () => {
  let k8s: K8sStandin;
  let acts: ReturnType<typeof createKubernetesActivities>;
  let kube: Awaited<ReturnType<typeof kubeConfigFor>>['kube'];
  const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 20_000 });

  beforeAll(async () => {
    k8s = await startK8sStandin({ rolloutDelayMs: 50 });
    kube = (await kubeConfigFor(k8s)).kube;
    acts = createKubernetesActivities({ kube });
  });
  afterAll(() => k8s?.close());

  it('shows an OOMKilled pod and a leak until the memory limit is raised', async () => {
    const world = new DemoWorld(k8s, onlineBoutique, { transientFaultMs: 90_000, trafficSeed: 11 });
    const start = Date.now();
    const f = world.inject('oom-kill', 104, start);
    const service = f.fault.service;
    const ref = { namespace: demoNamespace, deployment: service };
    const seen = async () => {
      const e = await workloadEvidence(kube, ref, new Date(start - 60_000));
      return workloadSignals(service, e!, new Date(start - 60_000)).map((s) => s.finding);
    };
    expect(await seen()).toContain('oomKilled');
    expect(world.activeFaults(Date.now()).active).toMatchObject([{ kind: 'memory-leak', service }]);

    await env.run(acts.k8sRolloutRestart, {
      actionId: 'oom/1/restart',
      params: { namespace: demoNamespace, deployment: service },
    });
    expect(world.activeFaults(Date.now()).active).toHaveLength(1);

    const raised = await env.run(acts.k8sSetResourceLimits, {
      actionId: 'oom/1/limits',
      params: {
        kind: 'Deployment' as const,
        namespace: demoNamespace,
        name: service,
        limits: { memory: { multiply: 1.5, max: '8Gi' } },
      },
    });
    expect(raised).toMatchObject({
      details: { from: { memory: '512Mi' }, to: { memory: '768Mi' } },
    });
    const { active, ended } = world.activeFaults(Date.now());
    expect(active).toHaveLength(0);
    expect(ended).toMatchObject([{ endedBy: 'memory limit raised' }]);
    expect(await seen()).not.toContain('oomKilled');
  });
});
