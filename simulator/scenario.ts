import { noiseKinds, type Fault, type FaultKind, type GroundTruth } from './faults';
import { Random, hashString } from './random';
import type { SimulationOptions } from './simulate';
import { podName } from './instances';
import { expectedCallsPerRequest, type ServiceSpec, type Topology } from './topology';

export interface ScenarioOptions {
  baselineSec?: number;
  faultSec?: number;
  rps?: number;
  /** Benign background events (cron CPU, GC pauses, rollouts, chatty logs); default 1–3. */
  noiseEvents?: number;
  /**
   * Share of each fault kind's strength range to draw from, starting at its subtle end: 0.5
   * draws from the weaker half. Default 1, the full range (and the same draws as before).
   */
  faultIntensity?: number;
  /**
   * The investigation's fault window opens this long before the fault starts (default 0) and
   * ends `observeSec` after it (default `faultSec`): how a live investigation sees a fault it
   * starts on as soon as the fault is detected.
   */
  windowLeadSec?: number;
  observeSec?: number;
}

/** The investigation's view of time: a quiet baseline followed by the faulty window. */
export interface ScenarioWindow {
  baselineStart: number;
  faultStart: number;
  end: number;
}

export interface Scenario extends SimulationOptions {
  name: string;
  groundTruth: GroundTruth;
  window: ScenarioWindow;
}

/** Fault targets must see at least this many calls per entry request to leave a trace. */
const minCallsPerRequest = 0.04;

/**
 * A reproducible single-fault scenario: the target service/operation and the fault strength
 * are drawn from `seed` among the targets where this fault kind makes sense.
 */
export function makeScenario(
  topology: Topology,
  kind: FaultKind,
  seed: number,
  options: ScenarioOptions = {},
): Scenario {
  const r = new Random(seed ^ hashString(`${topology.name}/${kind}`));
  const baselineSec = options.baselineSec ?? 240;
  const faultSec = options.faultSec ?? 120;
  const day = Date.UTC(2024, 0, 1) + r.int(300) * 86_400_000;
  const start = day + r.int(8640) * 10_000;
  const faultStart = start + baselineSec * 1000;
  const end = faultStart + faultSec * 1000;
  const windowEnd = faultStart + (options.observeSec ?? faultSec) * 1000;

  const rates = expectedCallsPerRequest(topology);
  const busyOps = (s: ServiceSpec) =>
    s.operations.filter((o) => (rates.get(`${s.name}:${o.name}`) ?? 0) >= minCallsPerRequest / 2);
  const serviceRate = (s: ServiceSpec) =>
    s.operations.reduce((sum, o) => sum + (rates.get(`${s.name}:${o.name}`) ?? 0), 0);
  const busy = topology.services.filter(
    (s) => serviceRate(s) >= minCallsPerRequest && busyOps(s).length > 0,
  );
  const candidates = busy.filter((s) => fits(kind, s, topology));
  const service = r.pick(candidates);
  const fault: Fault = {
    kind,
    service: service.name,
    startMs: faultStart,
    endMs: end,
    magnitude: magnitude(kind, r, options.faultIntensity ?? 1),
  };
  if (scopedToOperation(kind)) fault.operation = r.pick(busyOps(service)).name;
  if (kind === 'network-delay') {
    fault.instance = podName(service.name, r.int(service.instances), seed);
  }
  const noise = Array.from({ length: options.noiseEvents ?? 1 + r.int(3) }, () =>
    noiseEvent(
      r,
      busy.filter((s) => s.kind === 'app' && s !== service),
      seed,
      start,
      end,
    ),
  );
  return {
    name: `${topology.name}/${kind}/${seed}`,
    topology,
    seed,
    start,
    durationSec: (windowEnd - start) / 1000,
    rps: options.rps ?? 50,
    faults: [fault, ...noise],
    groundTruth: {
      service: fault.service,
      operation: fault.operation,
      instance: fault.instance,
      kind,
      startMs: faultStart,
      endMs: end,
    },
    window: {
      baselineStart: start,
      faultStart: faultStart - (options.windowLeadSec ?? 0) * 1000,
      end: windowEnd,
    },
  };
}

/** A benign event somewhere in the scenario, often overlapping the fault window. */
function noiseEvent(
  r: Random,
  services: readonly ServiceSpec[],
  seed: number,
  start: number,
  end: number,
): Fault {
  const kind = r.pick(noiseKinds);
  const service = r.pick(services);
  const startMs = Math.round(r.uniform(start + 30_000, end - 30_000));
  const event: Fault = {
    kind,
    service: service.name,
    startMs,
    endMs: kind === 'rolling-restart' ? end : startMs + Math.round(r.uniform(20_000, 90_000)),
    magnitude: 0,
  };
  if (kind !== 'rolling-restart') {
    event.instance = podName(service.name, r.int(service.instances), seed);
  }
  event.magnitude =
    kind === 'cpu-spike'
      ? r.uniform(0.25, 0.6)
      : kind === 'gc-pause'
        ? r.uniform(1.5, 3)
        : kind === 'log-chatter'
          ? r.uniform(0.3, 2)
          : 0;
  return event;
}

function fits(kind: FaultKind, s: ServiceSpec, topology: Topology): boolean {
  switch (kind) {
    case 'slow-database':
      return s.kind !== 'app';
    case 'dependency-outage':
      return s.name !== topology.entry;
    case 'network-delay':
      return s.kind === 'app' && s.instances > 1 && s.name !== topology.entry;
    default:
      return s.kind === 'app';
  }
}

function scopedToOperation(kind: FaultKind): boolean {
  return (
    kind === 'latency' ||
    kind === 'error-burst' ||
    kind === 'bad-deploy' ||
    kind === 'logged-exception' ||
    kind === 'code-path-change'
  );
}

function magnitude(kind: FaultKind, r: Random, intensity: number): number {
  // Written as lo + (hi − lo)·u like Random.uniform, so intensity 1 reproduces its draws exactly.
  const draw = (lo: number, hi: number) => lo + (hi - lo) * (intensity * r.next());
  // Ranges run from subtle to severe so that benchmarks contain hard cases too.
  switch (kind) {
    case 'latency':
      return draw(10, 120);
    case 'error-burst':
      return draw(0.08, 0.5);
    case 'cpu-saturation':
    case 'memory-leak':
      return draw(1.3, 3);
    case 'bad-deploy':
      return draw(0.05, 0.4);
    case 'dependency-outage':
      return 1;
    case 'slow-database':
      return draw(5, 60);
    case 'network-delay':
      return draw(10, 120);
    case 'logged-exception':
      return draw(0.1, 0.8);
    case 'code-path-change':
      return draw(0.2, 1);
  }
}
