import { callerEffects, isActive, serverEffects, type Fault } from './faults';
import { Instance } from './instances';
import { Random, hashString } from './random';
import {
  findOperation,
  type CallSpec,
  type LogSpec,
  type OperationSpec,
  type ServiceSpec,
  type Topology,
} from './topology';
import {
  nanosFromMs,
  severityNumber,
  type LogRecord,
  type MetricPoint,
  type Resource,
  type Span,
  type TelemetryBatch,
} from './telemetry';

export interface SimulationOptions {
  topology: Topology;
  seed: number;
  /** Epoch ms of the first request. */
  start: number;
  durationSec: number;
  /** Mean entry requests per second before the daily load curve. */
  rps: number;
  faults: readonly Fault[];
  /** Width of each yielded batch; metrics are exported once per slice. Default 10 s. */
  sliceSec?: number;
  /** Traffic as a quiet real service sees it (default: smooth Poisson, no slow outliers). */
  lumpy?: LumpyTraffic;
}

/**
 * Real services at low traffic are lumpy: requests arrive in bursts, and now and then one is
 * served slowly (a cache miss, a cold connection, a GC pause) without anything being wrong.
 */
export interface LumpyTraffic {
  /** Log-normal σ of each slice's load around its usual level (0: Poisson arrivals only). */
  burstiness: number;
  /** Chance that a service serves a request slowly, and how many times slower. */
  slowChance: number;
  slowFactor: number;
}

/** The lumpy profile bench:detection-replay and the tests use with low traffic. */
export const quietServiceTraffic: LumpyTraffic = {
  burstiness: 0.6,
  slowChance: 0.01,
  slowFactor: 10,
};

/** Chance that a caller gives up and fails when a downstream call fails (else it falls back). */
const propagateFailure = 0.9;

interface Outcome {
  endMs: number;
  failed: boolean;
  statusCode: number;
}

interface Service {
  spec: ServiceSpec;
  instances: Instance[];
  faults: Fault[];
  /** Per-day noise: some days a service is a bit slower or flakier than others. */
  dayLatency: number;
  dayErrors: number;
}

/**
 * Generates telemetry for the given traffic and faults, one time slice per batch. Everything
 * derives from `seed`, so the same options always give byte-identical output.
 */
export function* simulate(options: SimulationOptions): Generator<TelemetryBatch> {
  const sim = new Simulation(options);
  sim.setFaults(options.faults);
  const sliceMs = (options.sliceSec ?? 10) * 1000;
  const endMs = options.start + options.durationSec * 1000;
  for (let from = options.start; from < endMs; from += sliceMs) {
    yield sim.slice(from, Math.min(endMs, from + sliceMs));
  }
}

/** Options of a simulation that runs on slice by slice, its faults changing between slices. */
export type LiveSimulationOptions = Omit<SimulationOptions, 'faults' | 'durationSec' | 'sliceSec'>;

/**
 * A simulation that keeps its pods (names, versions, hosts, resource baselines, latency drift)
 * from one slice to the next while the faults in effect change: what live traffic needs, where a
 * new simulation per slice would give every pod a new identity and baseline every slice.
 */
export function liveSimulation(options: LiveSimulationOptions): {
  slice(fromMs: number, toMs: number, faults: readonly Fault[]): TelemetryBatch;
} {
  const sim = new Simulation(options);
  return {
    slice(fromMs, toMs, faults) {
      sim.setFaults(faults);
      return sim.slice(fromMs, toMs);
    },
  };
}

class Simulation {
  private readonly random: Random;
  private faults: readonly Fault[] = [];
  private readonly services = new Map<string, Service>();
  private readonly entry: Service;
  private readonly entryOps: OperationSpec[];
  private readonly entryCumulative: number[];
  private spans: Span[] = [];
  private logs: LogRecord[] = [];
  /** Deploys already announced, by service and start: live faults are new objects each slice. */
  private announcedDeploys = new Set<string>();

  constructor(private readonly options: LiveSimulationOptions) {
    const { topology, seed, start } = options;
    this.random = new Random(seed);
    const day = Math.floor(start / 86_400_000);
    for (const spec of topology.services) {
      const dayRandom = new Random(hashString(`${spec.name}@${day}`) ^ seed);
      this.services.set(spec.name, {
        spec,
        instances: Array.from({ length: spec.instances }, (_, i) => new Instance(spec, i, seed)),
        faults: [],
        dayLatency: Math.exp(0.08 * dayRandom.normal()),
        dayErrors: Math.exp(0.5 * dayRandom.normal()),
      });
    }
    this.entry = this.service(topology.entry);
    this.entryOps = topology.entryMix.map((e) => findOperation(this.entry.spec, e.operation));
    let sum = 0;
    this.entryCumulative = topology.entryMix.map((e) => (sum += e.weight));
  }

  setFaults(faults: readonly Fault[]): void {
    this.faults = faults;
    for (const service of this.services.values()) {
      service.faults = faults.filter((f) => f.service === service.spec.name);
    }
  }

  private service(name: string): Service {
    const service = this.services.get(name);
    if (!service) throw new Error(`unknown service ${name}`);
    return service;
  }

  slice(fromMs: number, toMs: number): TelemetryBatch {
    this.spans = [];
    this.logs = [];
    const r = this.random;
    const seconds = (toMs - fromMs) / 1000;
    const lumpy = this.options.lumpy;
    const burst = lumpy?.burstiness ? r.logNormal(1, lumpy.burstiness) : 1;
    const count = r.poisson(this.options.rps * seconds * dailyLoad(fromMs) * burst);
    const starts = Array.from({ length: count }, () => fromMs + r.next() * (toMs - fromMs));
    starts.sort((a, b) => a - b);
    for (const service of this.services.values()) {
      for (const instance of service.instances) instance.step();
    }
    this.announceDeploys(fromMs, toMs);
    for (const t of starts) this.request(t);

    const metrics: MetricPoint[] = [];
    for (const service of this.services.values()) {
      for (const instance of service.instances) {
        metrics.push(...instance.metrics(service.faults, toMs, toMs - fromMs));
        if (!service.faults.some((f) => f.kind === 'dependency-outage' && isActive(f, toMs - 1))) {
          for (const line of instance.backgroundLogs(service.faults, toMs, toMs - fromMs)) {
            this.log(instance.resource, r.uniform(fromMs, toMs), line);
          }
        }
        instance.resetSlice();
      }
    }
    return { fromMs, toMs, spans: this.spans, logs: this.logs, metrics };
  }

  /** A (bad or routine) deploy restarts every pod on the new version, which says so in its logs. */
  private announceDeploys(fromMs: number, toMs: number): void {
    for (const fault of this.faults) {
      if (fault.kind !== 'bad-deploy' && fault.kind !== 'rolling-restart') continue;
      const key = `${fault.service}@${fault.startMs}`;
      if (this.announcedDeploys.has(key)) continue;
      if (fault.startMs >= toMs || fault.startMs < fromMs) continue;
      this.announcedDeploys.add(key);
      for (const instance of this.service(fault.service).instances) {
        const version = instance.deployedResource['service.version'];
        this.log(instance.deployedResource, fault.startMs + this.random.uniform(0, 5000), {
          severity: 'INFO',
          body: `Started ${fault.service} version ${version} in {n}.{n} seconds`,
          probability: 1,
        });
      }
    }
  }

  private request(startMs: number): void {
    const r = this.random;
    const total = this.entryCumulative[this.entryCumulative.length - 1] ?? 0;
    const pickAt = r.next() * total;
    const index = this.entryCumulative.findIndex((c) => pickAt < c);
    const op = this.entryOps[index];
    if (!op) return;
    const instance = r.pick(this.entry.instances);
    this.serve(this.entry, op, instance, startMs, r.hexId(16), undefined);
  }

  /** One SERVER span and everything it calls; returns when and how it finished. */
  private serve(
    service: Service,
    op: OperationSpec,
    instance: Instance,
    startMs: number,
    traceId: string,
    parentSpanId: string | undefined,
  ): Outcome {
    const r = this.random;
    const spanId = r.hexId(8);
    const effects = serverEffects(service.faults, op.name, instance.id, startMs);
    const resource = effects.newVersion ? instance.deployedResource : instance.resource;
    const selfMs =
      r.logNormal(op.selfMs * service.dayLatency * instance.drift, op.sigma) *
        effects.latencyFactor *
        this.outlier() +
      effects.addMs;
    let t = startMs + selfMs * 0.6;
    let failed = false;
    let statusCode = 200;
    calls: for (const call of op.calls) {
      if (call.probability < 1 && !r.chance(call.probability)) continue;
      for (let i = 0; i < call.repeat; i++) {
        const outcome = this.call(service, resource, call, t, traceId, spanId);
        t = outcome.endMs + 0.05;
        if (!outcome.failed) continue;
        this.log(
          resource,
          t,
          {
            severity: 'ERROR',
            body: `call to ${call.service} ${call.operation} failed with status {n}`,
            probability: 1,
          },
          traceId,
          spanId,
        );
        if (r.chance(propagateFailure)) {
          failed = true;
          statusCode = outcome.statusCode === 503 ? 503 : 500;
          break calls;
        }
      }
    }
    t += selfMs * 0.4;
    if (!failed) {
      const own = Math.max(op.errorRate * service.dayErrors, effects.errorProbability);
      if (own > 0 && r.chance(own)) {
        failed = true;
        statusCode = 500;
        const line = effects.errorProbability > 0 ? effects.errorLog : undefined;
        this.log(resource, t, line ?? genericError(op), traceId, spanId);
      }
    }
    let usualLogs = true;
    if (effects.silentLog && r.chance(effects.silentLog.probability)) {
      this.log(resource, t, effects.silentLog, traceId, spanId);
      usualLogs = !effects.replacesUsualLogs;
    }
    if (usualLogs && !failed) {
      for (const line of op.logs) {
        if (r.chance(line.probability)) this.log(resource, t, line, traceId, spanId);
      }
    }
    instance.requests++;
    instance.busyMs += t - startMs;
    instance.selfMs += selfMs;
    this.spans.push({
      traceId,
      spanId,
      parentSpanId,
      service: service.spec.name,
      operation: op.name,
      kind: 'SERVER',
      startTimeUnixNano: nanosFromMs(startMs),
      endTimeUnixNano: nanosFromMs(t),
      status: failed ? 'ERROR' : 'UNSET',
      attributes: { 'http.status_code': statusCode },
      resource,
    });
    return { endMs: t, failed, statusCode };
  }

  /** A CLIENT span in the caller and, for instrumented callees, the callee's SERVER span. */
  private call(
    caller: Service,
    resource: Resource,
    call: CallSpec,
    startMs: number,
    traceId: string,
    parentSpanId: string,
  ): Outcome {
    const r = this.random;
    const callee = this.service(call.service);
    const op = findOperation(callee.spec, call.operation);
    const instance = r.pick(callee.instances);
    const spanId = r.hexId(8);
    const effects = callerEffects(callee.faults, instance.id, startMs);
    let outcome: Outcome;
    const attributes: Span['attributes'] = { 'peer.service': callee.spec.name };
    if (effects.unavailable) {
      // Connection refused by the mesh: fails fast, the callee never sees the request.
      outcome = { endMs: startMs + r.uniform(0.5, 3), failed: true, statusCode: 503 };
    } else if (callee.spec.kind !== 'app') {
      outcome = this.datastore(callee, op, instance, startMs + networkMs(r));
      outcome.endMs += networkMs(r);
      attributes['db.system'] = callee.spec.dbSystem ?? 'other';
      attributes['db.operation'] = op.name;
    } else {
      const arrive = startMs + networkMs(r) + effects.networkMs;
      outcome = this.serve(callee, op, instance, arrive, traceId, spanId);
      outcome.endMs += networkMs(r);
    }
    if (callee.spec.kind === 'app') attributes['http.status_code'] = outcome.statusCode;
    this.spans.push({
      traceId,
      spanId,
      parentSpanId,
      service: caller.spec.name,
      operation: call.operation,
      kind: 'CLIENT',
      startTimeUnixNano: nanosFromMs(startMs),
      endTimeUnixNano: nanosFromMs(outcome.endMs),
      status: outcome.failed ? 'ERROR' : 'UNSET',
      attributes,
      resource,
    });
    return outcome;
  }

  /** Databases are not instrumented: only their latency (and metrics) exist. */
  private datastore(service: Service, op: OperationSpec, instance: Instance, startMs: number) {
    const effects = serverEffects(service.faults, op.name, instance.id, startMs);
    const selfMs =
      this.random.logNormal(op.selfMs * service.dayLatency * instance.drift, op.sigma) *
        effects.latencyFactor *
        this.outlier() +
      effects.addMs;
    instance.requests++;
    instance.busyMs += selfMs;
    instance.selfMs += selfMs;
    return { endMs: startMs + selfMs, failed: false, statusCode: 200 };
  }

  /** A healthy request's occasional slowness (lumpy traffic only; no draw otherwise). */
  private outlier(): number {
    const lumpy = this.options.lumpy;
    return lumpy && this.random.chance(lumpy.slowChance) ? lumpy.slowFactor : 1;
  }

  private log(
    resource: Resource,
    tMs: number,
    line: LogSpec,
    traceId?: string,
    spanId?: string,
  ): void {
    const r = this.random;
    this.logs.push({
      timeUnixNano: nanosFromMs(tMs),
      service: resource['service.name'],
      severityText: line.severity,
      severityNumber: severityNumber[line.severity],
      body: line.body.replace(/\{n\}/g, () => String(r.int(r.chance(0.5) ? 100 : 100000))),
      traceId,
      spanId,
      resource,
    });
  }
}

function networkMs(r: Random): number {
  return r.logNormal(0.25, 0.3);
}

function genericError(op: OperationSpec): LogSpec {
  return { severity: 'ERROR', body: `${op.name} returned an error: {n}`, probability: 1 };
}

/** Diurnal load: quiet at night, busiest in the afternoon (UTC). */
function dailyLoad(tMs: number): number {
  const hour = (tMs / 3_600_000) % 24;
  return 1 + 0.3 * Math.sin((2 * Math.PI * (hour - 9)) / 24);
}

/** Runs a whole simulation into flat arrays (for benchmarks and tests; prefer the generator). */
export function collect(options: SimulationOptions): {
  spans: Span[];
  logs: LogRecord[];
  metrics: MetricPoint[];
} {
  const spans: Span[] = [];
  const logs: LogRecord[] = [];
  const metrics: MetricPoint[] = [];
  for (const batch of simulate(options)) {
    for (const s of batch.spans) spans.push(s);
    for (const l of batch.logs) logs.push(l);
    for (const m of batch.metrics) metrics.push(m);
  }
  return { spans, logs, metrics };
}
