import { isActive, progress, type Fault } from './faults';
import { Random, hashString } from './random';
import type { Language, LogSpec, ServiceSpec } from './topology';
import { nanosFromMs, type MetricPoint, type Resource } from './telemetry';

/** Running state of one pod: its identity and what it did in the current time slice. */
export class Instance {
  readonly id: string;
  readonly resource: Resource;
  readonly deployedResource: Resource;
  /** Requests served and busy time in the current slice, for the resource metrics. */
  requests = 0;
  busyMs = 0;
  selfMs = 0;
  /** Slowly drifting latency factor (AR(1) in log space): load and neighbours are never flat. */
  drift = 1;
  private logDrift = 0;
  private readonly baseCpu: number;
  private readonly cpuPerRequest: number;
  private readonly baseMemory: number;
  private readonly random: Random;

  constructor(
    readonly service: ServiceSpec,
    index: number,
    seed: number,
  ) {
    this.random = new Random(seed ^ hashString(`${service.name}#${index}`));
    this.id = podName(service.name, index, seed);
    const version = `1.${this.random.int(8) + 2}.${this.random.int(10)}`;
    const host = `node-${1 + this.random.int(6)}`;
    this.resource = resourceOf(service.name, version, this.id, host);
    this.deployedResource = resourceOf(service.name, `${version}-hotfix.1`, this.id, host);
    this.baseCpu = this.random.uniform(0.04, 0.15);
    this.cpuPerRequest = this.random.uniform(0.0005, 0.002);
    this.baseMemory = this.random.uniform(150, 600) * 2 ** 20;
  }

  /** Advance the latency drift once per slice. */
  step(): void {
    this.logDrift = 0.8 * this.logDrift + 0.06 * this.random.normal();
    this.drift = Math.exp(this.logDrift);
  }

  /** Resource metrics for the slice just simulated; a down instance exports nothing. */
  metrics(faults: readonly Fault[], sliceEndMs: number, sliceMs: number): MetricPoint[] {
    const r = this.random;
    let cpu = this.baseCpu + (this.cpuPerRequest * this.requests * 10000) / sliceMs;
    let memory = this.baseMemory * (1 + 0.01 * r.normal());
    let gcFactor = 1;
    for (const fault of faults) {
      if (!isActive(fault, sliceEndMs - 1)) continue;
      if (fault.instance !== undefined && fault.instance !== this.id) continue;
      const p = progress(fault, sliceEndMs);
      switch (fault.kind) {
        case 'dependency-outage':
          return [];
        case 'cpu-saturation':
          cpu = r.uniform(0.88, 0.99);
          break;
        case 'cpu-spike':
          cpu += fault.magnitude;
          break;
        case 'memory-leak':
          memory += this.baseMemory * 1.5 * p;
          gcFactor += 4 * p;
          break;
        case 'gc-pause':
          gcFactor += 3;
          break;
        case 'bad-deploy':
        case 'rolling-restart': {
          // A restarted runtime: warm-up CPU, a small fresh heap that refills.
          const sinceStartMs = sliceEndMs - fault.startMs;
          cpu += 0.25 * Math.max(0, 1 - sinceStartMs / 20_000);
          memory *= 0.6 + 0.4 * Math.min(1, sinceStartMs / 60_000);
          break;
        }
      }
    }
    cpu = Math.min(1, Math.max(0, cpu + 0.01 * r.normal()));
    const active = this.busyMs / sliceMs;
    const points: [string, string, number][] = [
      ['cpu.utilization', '1', cpu],
      ['memory.usage', 'By', memory],
      ['network.io.receive', 'By', this.requests * 1800 * (1 + 0.1 * r.normal())],
    ];
    if (this.service.kind === 'app') {
      points.push(['http.server.active_requests', '{request}', active]);
    } else {
      points.push(
        ['db.client.connections.usage', '{connection}', 4 + active + r.normal()],
        ['db.operations.rate', '{operation}/s', (this.requests * 1000) / sliceMs],
        ['db.operation.duration.avg', 'ms', this.requests ? this.selfMs / this.requests : 0],
      );
    }
    points.push(...languageMetrics(this.service.language, r, active, cpu, gcFactor, memory));
    const timeUnixNano = nanosFromMs(sliceEndMs);
    const resource = this.resource;
    return points.map(([name, unit, value]) => ({
      timeUnixNano,
      service: this.service.name,
      instance: this.id,
      name,
      unit,
      value,
      resource,
    }));
  }

  resetSlice(): void {
    this.requests = 0;
    this.busyMs = 0;
    this.selfMs = 0;
  }

  /** Background log lines unrelated to requests (housekeeping), at a low Poisson rate. */
  backgroundLogs(faults: readonly Fault[], sliceEndMs: number, sliceMs: number): LogSpec[] {
    const lines = [...backgroundLines[this.service.language]];
    for (const fault of faults) {
      if (fault.kind !== 'log-chatter' || fault.instance !== this.id) continue;
      if (!isActive(fault, sliceEndMs - 1)) continue;
      lines.push({ ...chatter, probability: fault.magnitude });
    }
    const out: LogSpec[] = [];
    for (const line of lines) {
      const n = this.random.poisson((line.probability * sliceMs) / 1000);
      for (let i = 0; i < n; i++) out.push(line);
    }
    return out;
  }
}

/** Kubernetes-style pod name, derived from the seed so scenarios can name an instance up front. */
export function podName(service: string, index: number, seed: number): string {
  const r = new Random(seed ^ hashString(`pod:${service}#${index}`));
  return `${service}-${r.hexId(4).slice(0, 8)}-${r.hexId(4).slice(0, 5)}`;
}

function resourceOf(service: string, version: string, pod: string, host: string): Resource {
  return {
    'service.name': service,
    'service.version': version,
    'service.instance.id': pod,
    'host.name': host,
    'k8s.pod.name': pod,
  };
}

/** Runtime metrics differ by language: the RCA must cope with names it has never seen. */
function languageMetrics(
  language: Language,
  r: Random,
  active: number,
  cpu: number,
  gcFactor: number,
  memory: number,
): [string, string, number][] {
  switch (language) {
    case 'java':
      return [
        ['jvm.gc.pause', 'ms', Math.max(0, 15 * gcFactor * (1 + 0.15 * r.normal()))],
        ['jvm.threads.live', '{thread}', Math.round(40 + 2 * active + 2 * r.normal())],
      ];
    case 'go':
      return [['go.goroutines', '{goroutine}', Math.round(30 + 3 * active + 3 * r.normal())]];
    case 'node':
      return [['nodejs.eventloop.delay.p99', 'ms', 10 + 20 * cpu + r.normal()]];
    case 'python':
      return [['process.open_file_descriptors', '{fd}', Math.round(40 + 2 * r.normal())]];
    case 'csharp':
      return [['dotnet.gc.heap.size', 'By', memory * 0.7 * (1 + 0.02 * r.normal())]];
    case 'datastore':
      return [];
  }
}

/** A benign but noisy line: a client library retrying after transient timeouts. */
const chatter: LogSpec = {
  severity: 'WARN',
  body: 'Retrying request after transient timeout (attempt {n} of {n})',
  probability: 1,
};

/** Rates are per second per instance (probability field reused as the rate). */
const backgroundLines: Record<Language, LogSpec[]> = {
  java: [
    { severity: 'INFO', body: 'Scheduled cache refresh finished in {n} ms', probability: 1 / 30 },
    {
      severity: 'WARN',
      body: 'HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta={n}s).',
      probability: 1 / 900,
    },
  ],
  go: [{ severity: 'INFO', body: 'health check passed ({n} ms)', probability: 1 / 15 }],
  node: [
    { severity: 'INFO', body: 'health check ok, uptime {n}s', probability: 1 / 20 },
    { severity: 'WARN', body: 'event loop lag above {n} ms', probability: 1 / 1200 },
  ],
  python: [{ severity: 'INFO', body: 'grpc health probe served in {n} ms', probability: 1 / 20 }],
  csharp: [
    { severity: 'INFO', body: 'Redis connection pool size {n}', probability: 1 / 60 },
    { severity: 'WARN', body: 'Slow Redis round trip of {n} ms', probability: 1 / 1500 },
  ],
  datastore: [],
};
