import '../../activities/undici-node20';
import { KubeConfig } from '@kubernetes/client-node';
import { startK8sStandin, type K8sStandin } from '../../deploy/k8s-standin/server';
import type { FaultKind } from '../../simulator/faults';
import { onlineBoutique } from '../../simulator/online-boutique';
import type { Pool } from '../../store/db';
import { watchIncidents } from './incident-watch';
import { startLiveTraffic } from './traffic';
import { DemoWorld, demoNamespace } from './world';

/** Faults the demo injects in turn: the ones a runbook can fix first, then transient ones. */
export const demoFaultRotation: FaultKind[] = [
  'bad-deploy',
  'memory-leak',
  'cpu-saturation',
  'error-burst',
  'slow-database',
  'latency',
  'dependency-outage',
  'logged-exception',
];

export interface DemoOptions {
  rps: number;
  /** Healthy traffic before the first fault, so detectors and baselines warm up. */
  warmupSeconds: number;
  faultEverySeconds: number;
  /** How long faults that no runbook cures last. */
  transientFaultSeconds: number;
  seed: number;
}

export interface DemoCluster {
  standin: K8sStandin;
  kube: KubeConfig;
  close(): Promise<void>;
}

/** The demo's Kubernetes: the local stand-in API server (no real cluster can run here). */
export async function startDemoCluster(): Promise<DemoCluster> {
  const standin = await startK8sStandin({ rolloutDelayMs: 2_000 });
  const kube = new KubeConfig();
  kube.loadFromString(standin.kubeconfig());
  return { standin, kube, close: () => standin.close() };
}

/**
 * The demo workload: the Online Boutique shop's simulated traffic streams to the receivers as
 * OTLP, and every few minutes a fault from the catalog is injected into its world.
 */
export function startDemo(opts: {
  cluster: DemoCluster;
  pool: Pool;
  otlpHttpEndpoint: string;
  demo: DemoOptions;
  print: (line: string) => void;
}) {
  const { demo, print } = opts;
  const world = new DemoWorld(
    opts.cluster.standin,
    onlineBoutique,
    demo.transientFaultSeconds * 1000,
  );
  const traffic = startLiveTraffic({
    topology: onlineBoutique,
    endpoint: opts.otlpHttpEndpoint,
    rps: demo.rps,
    seed: demo.seed,
    decorate: (resource) => ({
      'k8s.namespace.name': demoNamespace,
      'k8s.deployment.name': resource['service.name'],
    }),
    faultsAt: () => {
      const { active, ended } = world.activeFaults(Date.now());
      for (const f of ended) {
        const seconds = Math.round(((f.endedAt ?? 0) - f.injectedAt) / 1000);
        print(
          `fault #${f.id} ${f.fault.kind} on ${f.fault.service} ended by ${f.endedBy} after ${seconds} s`,
        );
      }
      return active;
    },
    onError: (err) => print(`demo traffic: ${err instanceof Error ? err.message : String(err)}`),
  });
  const watcher = watchIncidents(opts.pool, print);
  let injected = 0;
  const injectNext = () => {
    const kind = demoFaultRotation[injected % demoFaultRotation.length]!;
    const f = world.inject(kind, demo.seed + injected);
    injected++;
    print(
      `fault #${f.id} injected: ${kind} on ${f.fault.service}` +
        (f.cure.kind === 'time'
          ? ` for ${demo.transientFaultSeconds} s`
          : ` (cured by a ${f.cure.kind})`),
    );
  };
  let interval: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    injectNext();
    interval = setInterval(injectNext, demo.faultEverySeconds * 1000);
  }, demo.warmupSeconds * 1000);
  print(
    `demo: ${onlineBoutique.services.length} services at ${demo.rps} req/s; first fault in ${demo.warmupSeconds} s, then every ${demo.faultEverySeconds} s`,
  );
  return {
    world,
    async stop() {
      clearTimeout(first);
      if (interval) clearInterval(interval);
      watcher.stop();
      await traffic.stop();
    },
  };
}
