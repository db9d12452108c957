import '../../activities/undici-node20';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { ActivityDeps } from '../../activities';
import { startK8sStandin, type K8sStandin } from '../../test/k8s-standin/server';
import type { FaultKind } from '../../simulator/faults';
import { onlineBoutique } from '../../simulator/online-boutique';
import type { ResourceDecorator } from '../../simulator/otlp-export';
import type { Pool } from '../../store/db';
import { startDemoHost, type DemoHost } from './host';
import { watchIncidents } from './incident-watch';
import { startLiveTraffic, type LiveTrafficOptions } from './traffic';
import { DemoWorld, demoNamespace } from './world';

/** The shop's service that runs on a host (a cache on a VM) when the demo's sshd can run. */
export const demoHostedService = 'redis-cart';

/**
 * Faults the demo injects in turn: the ones a runbook can fix first, then transient ones. A
 * `hosted` fault targets the service on the host, and is skipped when there is none.
 */
export const demoFaultRotation: { kind: FaultKind; hosted?: true }[] = [
  { kind: 'bad-deploy' },
  { kind: 'memory-leak', hosted: true },
  { kind: 'cpu-saturation' },
  { kind: 'error-burst' },
  { kind: 'memory-leak' },
  { kind: 'slow-database' },
  { kind: 'latency' },
  { kind: 'dependency-outage' },
  { kind: 'logged-exception' },
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
  /** The host of the hosted service, when asked for and an sshd could start. */
  host?: DemoHost;
  /** Why the hosted service is a Deployment after all. */
  hostUnavailable?: string;
  /** The engine's dependencies that point at this cluster and host. */
  deps: Pick<ActivityDeps, 'kube' | 'ssh'>;
  close(): Promise<void>;
}

/**
 * The demo's Kubernetes: the local stand-in API server (no real cluster can run here) and, with
 * `hostDir`, the host of the hosted service: a real sshd on loopback with its state there.
 */
export async function startDemoCluster(opts: { hostDir?: string } = {}): Promise<DemoCluster> {
  const standin = await startK8sStandin({ rolloutDelayMs: 2_000 });
  const kube = new KubeConfig();
  kube.loadFromString(standin.kubeconfig());
  let host: DemoHost | undefined;
  let hostUnavailable: string | undefined;
  if (opts.hostDir) {
    try {
      host = await startDemoHost({ dir: opts.hostDir, service: demoHostedService });
    } catch (err) {
      // The demo runs without it: the service stays a Deployment.
      hostUnavailable = err instanceof Error ? err.message : String(err);
    }
  }
  return {
    standin,
    kube,
    ...(host && { host }),
    ...(hostUnavailable && { hostUnavailable }),
    deps: { kube, ...(host && { ssh: host.ssh }) },
    async close() {
      await host?.close();
      await standin.close();
    },
  };
}

/**
 * The same dependencies as settings, for the engine's worker processes: the stand-in's
 * kubeconfig and the host's SSH user key and pinned host key, written as files into `dir`.
 */
export async function demoEngineEnv(
  cluster: DemoCluster,
  dir: string,
): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, cluster.standin.kubeconfig(), { mode: 0o600 });
  const env: Record<string, string> = { AIOPS_KUBECONFIG: kubeconfig };
  const { host } = cluster;
  if (host) {
    const key = join(dir, 'ssh_user_key');
    const knownHosts = join(dir, 'known_hosts');
    await writeFile(key, host.ssh.privateKey, { mode: 0o600 });
    await chmod(key, 0o600);
    await writeFile(knownHosts, host.ssh.pins.knownHosts);
    Object.assign(env, {
      AIOPS_SSH_USER: host.ssh.username,
      AIOPS_SSH_PORT: String(host.ssh.port),
      AIOPS_SSH_KEY_PATH: key,
      AIOPS_SSH_KNOWN_HOSTS: knownHosts,
    });
  }
  return env;
}

/**
 * Where the telemetry says each service runs: the hosted service on its host (host.name, no
 * Kubernetes attributes), the others in their Deployment of the demo namespace.
 */
export function demoResourceDecorator(host: DemoHost | undefined): ResourceDecorator {
  return (resource) =>
    resource['service.name'] === host?.service
      ? { 'host.name': host.hostName, 'k8s.pod.name': undefined }
      : {
          'k8s.namespace.name': demoNamespace,
          'k8s.deployment.name': resource['service.name'],
        };
}

/** The shop's traffic with the world's faults in effect, as the benchmarks drive it. */
export function startWorldTraffic(
  world: DemoWorld,
  opts: Pick<LiveTrafficOptions, 'endpoint' | 'rps' | 'seed' | 'send'>,
): ReturnType<typeof startLiveTraffic> {
  return startLiveTraffic({
    topology: onlineBoutique,
    ...opts,
    decorate: demoResourceDecorator(undefined),
    faultsAt: () => world.activeFaults(Date.now()).active,
  });
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
  const { host } = opts.cluster;
  const world = new DemoWorld(opts.cluster.standin, onlineBoutique, {
    transientFaultMs: demo.transientFaultSeconds * 1000,
    trafficSeed: demo.seed,
    hosted: host,
  });
  const rotation = demoFaultRotation.filter((f) => host || !f.hosted);
  const traffic = startLiveTraffic({
    topology: onlineBoutique,
    endpoint: opts.otlpHttpEndpoint,
    rps: demo.rps,
    seed: demo.seed,
    decorate: demoResourceDecorator(host),
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
    const { kind, hosted } = rotation[injected % rotation.length]!;
    const f = world.inject(kind, demo.seed + injected, Date.now(), hosted && host?.service);
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
  print(
    host
      ? `demo: ${host.service} runs on host ${host.hostName}, a real sshd on port ${host.ssh.port} (its systemctl is a demo shim); the other services are Deployments`
      : `demo: every service is a Deployment` +
          (opts.cluster.hostUnavailable
            ? `; the SSH host for ${demoHostedService} is unavailable: ${opts.cluster.hostUnavailable}`
            : ''),
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
