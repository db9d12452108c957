import type { SeverityText } from './telemetry';

/** app: instrumented service; database/cache: seen only through its callers' CLIENT spans. */
export type ServiceKind = 'app' | 'database' | 'cache';
export type Language = 'go' | 'java' | 'node' | 'python' | 'csharp' | 'datastore';

export interface CallSpec {
  service: string;
  operation: string;
  /** Chance that one execution of the caller makes this call at all. */
  probability: number;
  /** Sequential repetitions (e.g. one currency conversion per cart item). */
  repeat: number;
}

export interface LogSpec {
  severity: SeverityText;
  /** `{n}` placeholders become numbers, so masking digits recovers the template. */
  body: string;
  probability: number;
}

export interface OperationSpec {
  name: string;
  /** Median self time (excluding downstream calls), ms. */
  selfMs: number;
  /** Log-normal shape of the self time. */
  sigma: number;
  errorRate: number;
  calls: CallSpec[];
  logs: LogSpec[];
}

export interface ServiceSpec {
  name: string;
  kind: ServiceKind;
  language: Language;
  dbSystem?: string;
  instances: number;
  operations: OperationSpec[];
}

export interface EntryMix {
  operation: string;
  weight: number;
}

export interface Topology {
  name: string;
  entry: string;
  entryMix: EntryMix[];
  services: ServiceSpec[];
}

/** Options of the compact operation notation used by the topology files. */
export interface OperationOptions {
  selfMs: number;
  sigma?: number;
  errorRate?: number;
  /** `service:operation`, optionally `*repeat` and `?probability`, e.g. `cart:GetCart*2?0.5`. */
  calls?: string[];
  /** Normal-operation log lines; a default completion line is added when omitted. */
  logs?: LogSpec[];
}

export function operation(name: string, options: OperationOptions): OperationSpec {
  return {
    name,
    selfMs: options.selfMs,
    sigma: options.sigma ?? 0.35,
    errorRate: options.errorRate ?? 0.001,
    calls: (options.calls ?? []).map(parseCall),
    logs: options.logs ?? [
      { severity: 'INFO', body: `${name} completed request {n} in {n} ms`, probability: 0.15 },
    ],
  };
}

function parseCall(text: string): CallSpec {
  const match = /^([^:]+):([^*?]+)(?:\*(\d+))?(?:\?([\d.]+))?$/.exec(text);
  if (!match?.[1] || !match[2]) throw new Error(`bad call notation: ${text}`);
  return {
    service: match[1],
    operation: match[2],
    repeat: match[3] ? Number(match[3]) : 1,
    probability: match[4] ? Number(match[4]) : 1,
  };
}

function findService(topology: Topology, name: string): ServiceSpec {
  const service = topology.services.find((s) => s.name === name);
  if (!service) throw new Error(`unknown service ${name} in ${topology.name}`);
  return service;
}

export function findOperation(service: ServiceSpec, name: string): OperationSpec {
  const op = service.operations.find((o) => o.name === name);
  if (!op) throw new Error(`unknown operation ${service.name}:${name}`);
  return op;
}

/** Throws on calls to unknown services/operations or call cycles, so topologies fail fast. */
export function validateTopology(topology: Topology): void {
  const visiting = new Set<string>();
  const visit = (service: string, op: string): void => {
    const key = `${service}:${op}`;
    if (visiting.has(key)) throw new Error(`call cycle through ${key}`);
    visiting.add(key);
    for (const call of findOperation(findService(topology, service), op).calls) {
      visit(call.service, call.operation);
    }
    visiting.delete(key);
  };
  for (const entry of topology.entryMix) visit(topology.entry, entry.operation);
}

/**
 * Expected executions of each `service:operation` per entry request (without faults or errors),
 * used to pick fault targets that actually receive traffic.
 */
export function expectedCallsPerRequest(topology: Topology): Map<string, number> {
  const rates = new Map<string, number>();
  const total = topology.entryMix.reduce((sum, e) => sum + e.weight, 0);
  const visit = (service: string, op: string, rate: number): void => {
    const key = `${service}:${op}`;
    rates.set(key, (rates.get(key) ?? 0) + rate);
    for (const call of findOperation(findService(topology, service), op).calls) {
      visit(call.service, call.operation, rate * call.probability * call.repeat);
    }
  };
  for (const entry of topology.entryMix)
    visit(topology.entry, entry.operation, entry.weight / total);
  return rates;
}
