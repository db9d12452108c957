import { describe, expect, it } from 'vitest';
import type { Evidence, RedSeries } from '../../activities/rca/evidence';
import { randomWalk } from '../../activities/rca/random-walk';

const buckets = 36;
const baseline = 24;

/** Flat RED series with a little jitter, as a quiet service's. */
function red(ms: number): RedSeries {
  const flat = (v: number) =>
    Array.from({ length: buckets }, (_, i) => v * (1 + 0.05 * Math.sin(i * 1.7)));
  return {
    calls: new Array<number>(buckets).fill(100),
    errors: new Array<number>(buckets).fill(0),
    meanMs: flat(ms),
    p50Ms: flat(ms),
    p95Ms: flat(ms * 2),
    p99Ms: flat(ms * 3),
  };
}

/**
 * Services joined by `edges` (caller, callee); `steps` gives each service's CPU level in the
 * fault buckets (0.2 before): how anomalous it is.
 */
function evidenceOf(edges: [string, string][], steps: Record<string, number>): Evidence {
  const services = [...new Set(edges.flat())];
  return {
    window: { baselineStart: 0, faultStart: baseline * 10_000, end: buckets * 10_000 },
    bucketMs: 10_000,
    bucketCount: buckets,
    baselineBuckets: baseline,
    services,
    operations: services.map((service) => ({ service, operation: 'op', red: red(5) })),
    edges: edges.map(([caller, callee]) => ({
      caller,
      callee,
      client: red(5),
      gapMs: new Array<number>(buckets).fill(0.5),
      gapMsByInstance: {},
      unanswered: new Array<number>(buckets).fill(0),
    })),
    metrics: services.map((service) => ({
      service,
      instance: `${service}-0`,
      name: 'cpu.utilization',
      values: Array.from({ length: buckets }, (_, i) =>
        i < baseline ? 0.2 + 0.01 * (i % 3) : (steps[service] ?? 0.2 + 0.01 * (i % 3)),
      ),
    })),
    logs: {},
    traces: { normal: [], abnormal: [] },
  };
}

/** A gateway calling four callers, all four calling one hub, the first also calling a leaf. */
const callers = ['caller-1', 'caller-2', 'caller-3', 'caller-4'];
const hubAndLeaf: [string, string][] = [
  ...callers.map((c): [string, string] => ['gateway', c]),
  ...callers.map((c): [string, string] => [c, 'hub']),
  ['caller-1', 'leaf'],
];
/** A gateway calling two services, each with a database of its own. */
const twoDatabases: [string, string][] = [
  ['gateway', 'orders'],
  ['gateway', 'users'],
  ['orders', 'orders-db'],
  ['users', 'users-db'],
];
const symptoms = { 'caller-1': 0.3, 'caller-2': 0.3, 'caller-3': 0.3, 'caller-4': 0.3 };

const first = (edges: [string, string][], steps: Record<string, number>) =>
  randomWalk.rank(evidenceOf(edges, steps))[0]?.service;

describe('random-walk ranks the visits a service gets beyond what its callers bring it', () => {
  it('a leaf with a strong anomaly before a hub with a mild one that all its callers lead to', () => {
    expect(first(hubAndLeaf, { ...symptoms, hub: 0.4, leaf: 0.9 })).toBe('leaf');
  });

  it('a strongly anomalous gateway before the mildly anomalous hub its calls reach', () => {
    expect(first(hubAndLeaf, { ...symptoms, gateway: 0.9, hub: 0.4 })).toBe('gateway');
  });

  it('a hub still first when its own anomaly leads', () => {
    expect(first(hubAndLeaf, { ...symptoms, hub: 0.9, leaf: 0.3 })).toBe('hub');
  });

  it('a slow database still first under its mildly anomalous caller', () => {
    expect(first(twoDatabases, { gateway: 0.3, orders: 0.4, 'orders-db': 0.9 })).toBe('orders-db');
  });
});
