import type { K8sStandin } from '../../deploy/k8s-standin/server';
import type { Fault, FaultKind } from '../../simulator/faults';
import { makeScenario } from '../../simulator/scenario';
import type { Topology } from '../../simulator/topology';

export const demoNamespace = 'shop';

/** What ends an injected fault: a remediation changing the world, or simply time. */
type Cure =
  | { kind: 'rollback'; badImage: string }
  | { kind: 'restart'; restartedAt: string | undefined }
  | { kind: 'scale-out'; replicas: number }
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

const cureByKind: Partial<Record<FaultKind, Cure['kind']>> = {
  'bad-deploy': 'rollback',
  'memory-leak': 'restart',
  'cpu-saturation': 'scale-out',
};

function restartedAt(standin: K8sStandin, service: string): string | undefined {
  const template = standin.deployment(demoNamespace, service)?.spec.template as
    { metadata?: { annotations?: Record<string, string> } } | undefined;
  return template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
}

function image(standin: K8sStandin, service: string): string | undefined {
  const template = standin.deployment(demoNamespace, service)?.spec.template as
    { spec?: { containers?: { image?: string }[] } } | undefined;
  return template?.spec?.containers?.[0]?.image;
}

/**
 * The demo's simulated world: every service of the topology is a Deployment behind the local
 * Kubernetes stand-in, and injected faults last until what would fix them in a real cluster
 * happens there: a rollback off the bad image, a restart of the leaking pods, more replicas
 * for a saturated service. Other faults pass with time.
 */
export class DemoWorld {
  private readonly injected: InjectedFault[] = [];
  private nextId = 1;

  constructor(
    private readonly standin: K8sStandin,
    private readonly topology: Topology,
    private readonly transientFaultMs: number,
  ) {
    for (const service of topology.services) {
      standin.addDeployment(demoNamespace, service.name, {
        replicas: 2,
        image: `${service.name}:1.0.0`,
      });
    }
  }

  /** Injects a fault of `kind` on a service the simulator's scenario picks for it. */
  inject(kind: FaultKind, seed: number, now = Date.now()): InjectedFault {
    const template = makeScenario(this.topology, kind, seed).faults[0]!;
    const service = template.service;
    let cure: Cure = { kind: 'time' };
    switch (cureByKind[kind]) {
      case 'rollback': {
        const badImage = `${service}:1.1.0-rc${seed}`;
        this.standin.release(demoNamespace, service, badImage);
        cure = { kind: 'rollback', badImage };
        break;
      }
      case 'restart':
        cure = { kind: 'restart', restartedAt: restartedAt(this.standin, service) };
        break;
      case 'scale-out':
        cure = {
          kind: 'scale-out',
          replicas: this.standin.deployment(demoNamespace, service)?.spec.replicas ?? 2,
        };
        break;
    }
    const endMs = cure.kind === 'time' ? now + this.transientFaultMs : now + 24 * 3_600_000;
    const injected: InjectedFault = {
      id: this.nextId++,
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
      if (f.cure.kind === 'restart' && restartedAt(this.standin, service) !== f.cure.restartedAt)
        by = 'restart';
      if (
        f.cure.kind === 'scale-out' &&
        (this.standin.deployment(demoNamespace, service)?.spec.replicas ?? 0) > f.cure.replicas
      ) {
        by = 'scale-out';
      }
      if (now >= f.fault.endMs) by = 'time';
      if (by) {
        f.endedAt = now;
        f.endedBy = by;
        ended.push(f);
      }
    }
    return ended;
  }

  /** The faults in effect at `now` (what the traffic simulator applies). */
  activeFaults(now: number): { active: Fault[]; ended: InjectedFault[] } {
    const ended = this.settle(now);
    return {
      active: this.injected.filter((f) => f.endedAt === undefined).map((f) => f.fault),
      ended,
    };
  }

  history(): readonly InjectedFault[] {
    return this.injected;
  }
}
