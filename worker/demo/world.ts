import type { K8sStandin } from '../../test/k8s-standin/server';
import { faultKinds, type Fault, type FaultKind } from '../../simulator/faults';
import { podName } from '../../simulator/instances';
import { makeScenario } from '../../simulator/scenario';
import type { Topology } from '../../simulator/topology';

export const demoNamespace = 'shop';

/**
 * The simulator's fault kinds, and the world's own: `oom-kill`, a leak in a container whose
 * memory limit is too low for it. The traffic shows the simulator's memory leak; the cluster
 * shows the container OOMKilled and restarted by the kubelet, which keeps happening (a restart
 * changes nothing) until its limit is raised.
 */
export const worldFaultKinds = [...faultKinds, 'oom-kill'] as const;

export type WorldFaultKind = (typeof worldFaultKinds)[number];

/** Every container of the world's Deployments runs under this memory limit. */
const memoryLimit = '512Mi';

/** What ends an injected fault: a remediation changing the world, or simply time. */
type Cure =
  | { kind: 'rollback'; badImage: string }
  | { kind: 'restart'; before: string | undefined }
  | { kind: 'scale-out'; replicas: number }
  | { kind: 'memory-limit'; before: string | undefined; oomPod: string }
  | { kind: 'time' };

export interface InjectedFault {
  id: number;
  fault: Fault;
  cure: Cure;
  injectedAt: number;
  /** When the world or the clock ended it. */
  endedAt?: number;
  endedBy?: string;
}

const cureByKind: Partial<Record<WorldFaultKind, Cure['kind']>> = {
  'bad-deploy': 'rollback',
  'memory-leak': 'restart',
  'cpu-saturation': 'scale-out',
  'oom-kill': 'memory-limit',
};

/** What the traffic shows of a world fault: the simulator's kind behind it. */
const simulatedAs = (kind: WorldFaultKind): FaultKind =>
  kind === 'oom-kill' ? 'memory-leak' : kind;

/**
 * The simulator scenario's fault of `kind` (on `service` if given), a pod-scoped one moved to
 * a pod of the live traffic, whose pods are named from the traffic's seed.
 */
export function liveFaultTemplate(
  topology: Topology,
  kind: FaultKind,
  seed: number,
  trafficSeed: number,
  service?: string,
): Fault {
  const picked = makeScenario(topology, kind, seed).faults[0]!;
  const target = service ?? picked.service;
  const template = { ...picked, service: target };
  if (picked.instance !== undefined) {
    const instances = topology.services.find((s) => s.name === target)?.instances ?? 1;
    template.instance = podName(target, seed % instances, trafficSeed);
  }
  return template;
}

/** A leak grows over this long, then stays at full size until a restart clears it. */
const leakRampMs = 120_000;

/** A service of the world that runs on a host (reached over SSH) instead of in a Deployment. */
export interface HostedService {
  service: string;
  /** How many times the service's unit (named like it) was restarted on its host. */
  restarts(unit: string): number;
}

function restartedAt(standin: K8sStandin, service: string): string | undefined {
  const template = standin.deployment(demoNamespace, service)?.spec.template as
    { metadata?: { annotations?: Record<string, string> } } | undefined;
  return template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
}

function memoryLimitOf(standin: K8sStandin, service: string): string | undefined {
  const template = standin.deployment(demoNamespace, service)?.spec.template as
    { spec?: { containers?: { resources?: { limits?: { memory?: string } } }[] } } | undefined;
  return template?.spec?.containers?.[0]?.resources?.limits?.memory;
}

/**
 * A pod of `service`'s Deployment whose container the kernel killed for its memory (exit 137)
 * and the kubelet restarted, as the API reports it.
 */
function oomKilledPod(service: string, name: string, now: number) {
  const at = new Date(now).toISOString();
  return {
    metadata: { name, namespace: demoNamespace, labels: { app: service } },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: service,
          ready: false,
          restartCount: 3,
          state: { running: { startedAt: at } },
          lastState: {
            terminated: { reason: 'OOMKilled', exitCode: 137, startedAt: at, finishedAt: at },
          },
        },
      ],
    },
  };
}

function image(standin: K8sStandin, service: string): string | undefined {
  const template = standin.deployment(demoNamespace, service)?.spec.template as
    { spec?: { containers?: { image?: string }[] } } | undefined;
  return template?.spec?.containers?.[0]?.image;
}

/**
 * The demo's simulated world: every service of the topology is a Deployment behind the local
 * Kubernetes stand-in, except one that may run on a host, and injected faults last until what
 * would fix them for real happens: a rollback off the bad image, a restart of the leaking pods
 * or of the unit on the host, more replicas for a saturated service. Other faults pass with time.
 */
export class DemoWorld {
  private readonly injected: InjectedFault[] = [];
  private nextId = 1;

  private readonly transientFaultMs: number;
  private readonly trafficSeed: number;
  private readonly hosted?: HostedService;

  constructor(
    private readonly standin: K8sStandin,
    private readonly topology: Topology,
    options: {
      transientFaultMs: number;
      /** The live traffic's seed, which names the pods a pod-scoped fault must hit. */
      trafficSeed: number;
      hosted?: HostedService;
    },
  ) {
    this.transientFaultMs = options.transientFaultMs;
    this.trafficSeed = options.trafficSeed;
    this.hosted = options.hosted;
    for (const service of topology.services) {
      if (service.name === this.hosted?.service) continue;
      standin.addDeployment(demoNamespace, service.name, {
        replicas: 2,
        image: `${service.name}:1.0.0`,
        memoryLimit,
      });
    }
  }

  /**
   * Injects a fault of `kind` on `service`, or on the service the simulator's scenario picks
   * for it. On the hosted service only a restart cures anything (no Deployment to change).
   */
  inject(kind: WorldFaultKind, seed: number, now = Date.now(), service?: string): InjectedFault {
    const template = liveFaultTemplate(
      this.topology,
      simulatedAs(kind),
      seed,
      this.trafficSeed,
      service,
    );
    const target = template.service;
    const hosted = target === this.hosted?.service;
    let cure: Cure = { kind: 'time' };
    const remedy = cureByKind[kind];
    const id = this.nextId++;
    switch (hosted && remedy !== 'restart' ? undefined : remedy) {
      case 'rollback': {
        const badImage = `${target}:1.1.0-rc${seed}`;
        this.standin.release(demoNamespace, target, badImage);
        cure = { kind: 'rollback', badImage };
        break;
      }
      case 'restart':
        cure = { kind: 'restart', before: this.restartMark(target) };
        break;
      case 'scale-out':
        cure = {
          kind: 'scale-out',
          replicas: this.standin.deployment(demoNamespace, target)?.spec.replicas ?? 2,
        };
        break;
      case 'memory-limit': {
        const oomPod = `${target}-oom-${id}`;
        this.standin.addPod(oomKilledPod(target, oomPod, now));
        cure = { kind: 'memory-limit', before: memoryLimitOf(this.standin, target), oomPod };
        break;
      }
    }
    const endMs = cure.kind === 'time' ? now + this.transientFaultMs : now + 24 * 3_600_000;
    const injected: InjectedFault = {
      id,
      fault: { ...template, startMs: now, endMs },
      cure,
      injectedAt: now,
    };
    this.injected.push(injected);
    return injected;
  }

  /** Ends faults whose cure happened; returns those that ended now. */
  private settle(now: number): InjectedFault[] {
    const ended: InjectedFault[] = [];
    for (const f of this.injected) {
      if (f.endedAt !== undefined) continue;
      const service = f.fault.service;
      let by: string | undefined;
      if (f.cure.kind === 'rollback' && image(this.standin, service) !== f.cure.badImage)
        by = 'rollback';
      if (f.cure.kind === 'restart' && this.restartMark(service) !== f.cure.before)
        by = this.hosted?.service === service ? 'restart of its unit over SSH' : 'restart';
      if (
        f.cure.kind === 'scale-out' &&
        (this.standin.deployment(demoNamespace, service)?.spec.replicas ?? 0) > f.cure.replicas
      ) {
        by = 'scale-out';
      }
      if (
        f.cure.kind === 'memory-limit' &&
        memoryLimitOf(this.standin, service) !== f.cure.before
      ) {
        by = 'memory limit raised';
      }
      if (now >= f.fault.endMs) by = 'time';
      // Raised (a rollout replaced it) or lifted, the killed pod is gone.
      if (by && f.cure.kind === 'memory-limit')
        this.standin.removePod(demoNamespace, f.cure.oomPod);
      if (by) {
        f.endedAt = now;
        f.endedBy = by;
        ended.push(f);
      }
    }
    return ended;
  }

  /** What changes when the service restarts: its pods' restart stamp, or its unit's restarts. */
  private restartMark(service: string): string | undefined {
    if (service === this.hosted?.service) return String(this.hosted.restarts(service));
    return restartedAt(this.standin, service);
  }

  /** The faults in effect at `now` (what the traffic simulator applies). */
  activeFaults(now: number): { active: Fault[]; ended: InjectedFault[] } {
    const ended = this.settle(now);
    return {
      active: this.injected
        .filter((f) => f.endedAt === undefined)
        .map((f) => (f.fault.kind === 'memory-leak' ? growing(f, now) : f.fault)),
      ended,
    };
  }

  history(): readonly InjectedFault[] {
    return this.injected;
  }
}

/**
 * The simulator grows a leak over its fault window, and a leak lasting until cured has a window
 * of a day: it would barely grow. Shown to the simulator with a window ending after the ramp, or
 * now once the ramp is over, it grows over the ramp and then stays (almost) at full size.
 */
function growing(f: InjectedFault, now: number): Fault {
  return { ...f.fault, endMs: Math.max(f.injectedAt + leakRampMs, now + 1) };
}
