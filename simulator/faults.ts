import type { LogSpec } from './topology';

/** The fault library. Each kind leaves a different footprint in traces, metrics and logs. */
export const faultKinds = [
  'latency',
  'error-burst',
  'cpu-saturation',
  'memory-leak',
  'bad-deploy',
  'dependency-outage',
  'slow-database',
  'network-delay',
  'logged-exception',
  'code-path-change',
] as const;

export type FaultKind = (typeof faultKinds)[number];

/**
 * Benign background events that real fleets always have (cron jobs, GC pauses, routine
 * rollouts, chatty logs). Scenarios add a few around the fault so that "the most changed
 * series" is not automatically the root cause.
 */
export const noiseKinds = ['cpu-spike', 'gc-pause', 'rolling-restart', 'log-chatter'] as const;

export type NoiseKind = (typeof noiseKinds)[number];

export interface Fault {
  kind: FaultKind | NoiseKind;
  service: string;
  /** Operation-scoped kinds only; service-wide kinds leave it unset. */
  operation?: string;
  /** Instance-scoped kinds (network-delay, cpu-spike, gc-pause, log-chatter): the one pod. */
  instance?: string;
  startMs: number;
  endMs: number;
  /**
   * Kind-specific strength: added ms (latency, slow-database, network-delay), probability
   * (error-burst, bad-deploy, logged-exception, code-path-change), latency multiplier
   * (cpu-saturation, memory-leak at the end of the window, gc-pause), added CPU share
   * (cpu-spike), log lines per second (log-chatter); unused otherwise.
   */
  magnitude: number;
}

/** What a scenario records as the truth; RCA methods never see it. */
export interface GroundTruth {
  service: string;
  operation?: string;
  instance?: string;
  kind: FaultKind;
  startMs: number;
  endMs: number;
}

/** How the active faults change one execution of an operation on one instance. */
export interface ServerEffects {
  addMs: number;
  latencyFactor: number;
  errorProbability: number;
  errorLog?: LogSpec;
  /** Logged when the request is served normally; status and latency stay as they were. */
  silentLog?: LogSpec;
  /** code-path-change: replaces the operation's usual log lines. */
  replacesUsualLogs: boolean;
  /** bad-deploy, rolling-restart: spans carry the new version. */
  newVersion: boolean;
}

export function isActive(fault: Fault, tMs: number): boolean {
  return tMs >= fault.startMs && tMs < fault.endMs;
}

/** 0 at fault start, 1 at its end: faults that grow (memory leak) ramp with it. */
export function progress(fault: Fault, tMs: number): number {
  return Math.min(1, Math.max(0, (tMs - fault.startMs) / (fault.endMs - fault.startMs)));
}

function appliesTo(fault: Fault, operation: string, instance: string): boolean {
  return (
    (fault.operation === undefined || fault.operation === operation) &&
    (fault.instance === undefined || fault.instance === instance)
  );
}

export function serverEffects(
  faults: readonly Fault[],
  operation: string,
  instance: string,
  tMs: number,
): ServerEffects {
  const effects: ServerEffects = {
    addMs: 0,
    latencyFactor: 1,
    errorProbability: 0,
    replacesUsualLogs: false,
    newVersion: false,
  };
  for (const fault of faults) {
    if (!isActive(fault, tMs)) continue;
    if (fault.kind === 'bad-deploy' || fault.kind === 'rolling-restart') effects.newVersion = true;
    if (!appliesTo(fault, operation, instance)) continue;
    switch (fault.kind) {
      case 'latency':
      case 'slow-database':
        effects.addMs += fault.magnitude;
        break;
      case 'cpu-saturation':
      case 'gc-pause':
        effects.latencyFactor *= fault.magnitude;
        break;
      case 'memory-leak':
        // Garbage collection works harder as the heap fills: latency grows with the leak.
        effects.latencyFactor *= 1 + (fault.magnitude - 1) * progress(fault, tMs);
        break;
      case 'error-burst':
        effects.errorProbability = Math.max(effects.errorProbability, fault.magnitude);
        effects.errorLog = {
          severity: 'ERROR',
          body: `${operation} failed: io.grpc.StatusRuntimeException: INTERNAL: worker pool exhausted ({n} pending)`,
          probability: 1,
        };
        break;
      case 'bad-deploy':
        effects.errorProbability = Math.max(effects.errorProbability, fault.magnitude);
        effects.errorLog = {
          severity: 'ERROR',
          body: `Unhandled exception in ${operation}: java.lang.NullPointerException: Cannot invoke "String.length()" because "name" is null at line {n}`,
          probability: 1,
        };
        break;
      case 'logged-exception':
        effects.silentLog = {
          severity: 'ERROR',
          body: `Caught exception in ${operation}, continuing with defaults: java.lang.IllegalStateException: inconsistent cache entry {n}`,
          probability: fault.magnitude,
        };
        break;
      case 'code-path-change':
        effects.silentLog = {
          severity: 'INFO',
          body: `${operation} took fallback branch, returning empty result for request {n}`,
          probability: fault.magnitude,
        };
        effects.replacesUsualLogs = true;
        break;
      case 'dependency-outage':
      case 'network-delay':
        break; // seen on the caller side; see callerEffects
      case 'cpu-spike':
      case 'rolling-restart':
      case 'log-chatter':
        break; // metrics and background logs only; see Instance
    }
  }
  return effects;
}

/** How active faults change a call into `instance` of the callee as the caller sees it. */
export interface CallerEffects {
  /** The callee is down: the call fails fast with no server span. */
  unavailable: boolean;
  /** Extra one-way delay on the path to the callee instance (absent from its own spans). */
  networkMs: number;
}

export function callerEffects(
  faults: readonly Fault[],
  instance: string,
  tMs: number,
): CallerEffects {
  let unavailable = false;
  let networkMs = 0;
  for (const fault of faults) {
    if (!isActive(fault, tMs)) continue;
    if (fault.kind === 'dependency-outage') unavailable = true;
    if (fault.kind === 'network-delay' && fault.instance === instance) networkMs += fault.magnitude;
  }
  return { unavailable, networkMs };
}
