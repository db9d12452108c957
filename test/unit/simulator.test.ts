import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildEvidence, type Evidence } from '../../activities/rca/evidence';
import { faultKinds, type FaultKind } from '../../simulator/faults';
import { onlineBoutique } from '../../simulator/online-boutique';
import { makeScenario, type Scenario } from '../../simulator/scenario';
import { collect, liveSimulation, quietServiceTraffic, simulate } from '../../simulator/simulate';
import { trainTicket } from '../../simulator/train-ticket';
import { expectedCallsPerRequest } from '../../simulator/topology';

/** Short scenarios keep the suite fast; the benchmark uses the full 6-minute ones. */
const short = { baselineSec: 120, faultSec: 60, rps: 40, noiseEvents: 0 };

function digest(scenario: Scenario, batches = 3): string {
  const hash = createHash('sha256');
  let n = 0;
  for (const batch of simulate(scenario)) {
    hash.update(JSON.stringify(batch, (_, v: unknown) => (typeof v === 'bigint' ? `${v}` : v)));
    if (++n >= batches) break;
  }
  return hash.digest('hex');
}

function evidenceOf(scenario: Scenario): Evidence {
  const t = collect(scenario);
  return buildEvidence(t.spans, t.logs, t.metrics, scenario.window);
}

/** Mean of a series over the baseline and over the fault window. */
function windows(values: (number | null)[], nb: number): { base: number; fault: number } {
  const avg = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null);
    return v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);
  };
  return { base: avg(values.slice(0, nb)), fault: avg(values.slice(nb)) };
}

describe('topologies', () => {
  it('have the expected shapes', () => {
    expect(onlineBoutique.services).toHaveLength(11);
    expect(trainTicket.services).toHaveLength(40);
    expect(trainTicket.services.filter((s) => s.kind === 'database').length).toBeGreaterThan(5);
    for (const topology of [onlineBoutique, trainTicket]) {
      const rates = expectedCallsPerRequest(topology);
      for (const service of topology.services) {
        const reached = [...rates.keys()].some((k) => k.startsWith(`${service.name}:`));
        expect(reached, `${service.name} is reachable`).toBe(true);
      }
    }
  });
});

describe('simulate', () => {
  it('is reproducible by seed and differs across seeds', () => {
    const a = makeScenario(onlineBoutique, 'latency', 7, short);
    expect(digest(a)).toBe(digest(makeScenario(onlineBoutique, 'latency', 7, short)));
    expect(digest(a)).not.toBe(digest(makeScenario(onlineBoutique, 'latency', 8, short)));
  });

  it('yields OpenTelemetry-shaped records in time order', () => {
    const scenario = makeScenario(onlineBoutique, 'error-burst', 3, short);
    let previous = -Infinity;
    let spans = 0;
    for (const batch of simulate(scenario)) {
      expect(batch.fromMs).toBeGreaterThan(previous);
      previous = batch.fromMs;
      spans += batch.spans.length;
      for (const span of batch.spans) {
        expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
        expect(span.endTimeUnixNano).toBeGreaterThanOrEqual(span.startTimeUnixNano);
        expect(span.resource['k8s.pod.name']).toContain(span.service);
      }
      const client = batch.spans.find((s) => s.kind === 'CLIENT' && s.attributes['db.system']);
      if (client) expect(client.attributes['peer.service']).toBe('redis-cart');
    }
    // ~40 rps × 180 s × ~16 spans per request.
    expect(spans).toBeGreaterThan(50_000);
  });
});

describe('lumpy low traffic', () => {
  /** Entry requests per 10 s slice and root-span durations over an hour at 1 request/s. */
  function hour(lumpy: boolean) {
    const sim = liveSimulation({
      topology: onlineBoutique,
      seed: 5,
      start: Date.UTC(2026, 0, 1, 12),
      rps: 1,
      lumpy: lumpy ? quietServiceTraffic : undefined,
    });
    const perSlice: number[] = [];
    const durations: number[] = [];
    for (let t = 0; t < 360; t++) {
      const from = Date.UTC(2026, 0, 1, 12) + t * 10_000;
      const roots = sim.slice(from, from + 10_000, []).spans.filter((s) => !s.parentSpanId);
      perSlice.push(roots.length);
      for (const s of roots) durations.push(Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6);
    }
    const mean = perSlice.reduce((a, b) => a + b, 0) / perSlice.length;
    const variance = perSlice.reduce((a, b) => a + (b - mean) ** 2, 0) / perSlice.length;
    const sorted = [...durations].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1]!;
    return { dispersion: variance / mean, slow: durations.filter((d) => d > 5 * median).length };
  }

  it('arrives in bursts and serves the odd request slowly, where smooth traffic does not', () => {
    const smooth = hour(false);
    const lumpy = hour(true);
    // Poisson arrivals have variance ≈ mean; bursts make it several times larger.
    expect(smooth.dispersion).toBeLessThan(1.5);
    expect(lumpy.dispersion).toBeGreaterThan(2);
    expect(lumpy.slow).toBeGreaterThan(3 * Math.max(1, smooth.slow));
  });
});

describe('faults visibly change the data', () => {
  const cases: Record<FaultKind, (e: Evidence, s: Scenario) => void> = {
    latency: (e, s) => {
      const op = e.operations.find(
        (o) => o.service === s.groundTruth.service && o.operation === s.groundTruth.operation,
      );
      const { base, fault } = windows(op?.red.meanMs ?? [], e.baselineBuckets);
      expect(fault - base).toBeGreaterThan(5);
    },
    'error-burst': (e, s) => {
      const op = e.operations.find(
        (o) => o.service === s.groundTruth.service && o.operation === s.groundTruth.operation,
      );
      const rate = (op?.red.errors ?? []).map((x, i) => x / Math.max(1, op?.red.calls[i] ?? 0));
      const { base, fault } = windows(rate, e.baselineBuckets);
      expect(fault - base).toBeGreaterThan(0.05);
    },
    'cpu-saturation': (e, s) => {
      const cpu = e.metrics.filter(
        (m) => m.service === s.groundTruth.service && m.name === 'cpu.utilization',
      );
      for (const m of cpu) expect(windows(m.values, e.baselineBuckets).fault).toBeGreaterThan(0.85);
    },
    'memory-leak': (e, s) => {
      const memory = e.metrics.find(
        (m) => m.service === s.groundTruth.service && m.name === 'memory.usage',
      );
      const values = (memory?.values ?? []).filter((x): x is number => x !== null);
      expect((values[values.length - 1] ?? 0) / (values[0] ?? 1)).toBeGreaterThan(1.5);
    },
    'bad-deploy': (e, s) => {
      const logs = e.logs[s.groundTruth.service] ?? {};
      expect(Object.keys(logs).some((t) => t.startsWith('Started '))).toBe(true);
      expect(Object.keys(logs).some((t) => t.includes('NullPointerException'))).toBe(true);
    },
    'dependency-outage': (e, s) => {
      const edges = e.edges.filter((x) => x.callee === s.groundTruth.service);
      const errors = edges.flatMap((x) => x.client.errors.slice(e.baselineBuckets));
      expect(errors.reduce((a, b) => a + b, 0)).toBeGreaterThan(50);
      const served = e.operations
        .filter((o) => o.service === s.groundTruth.service)
        .flatMap((o) => o.red.calls.slice(e.baselineBuckets));
      expect(served.reduce((a, b) => a + b, 0)).toBe(0);
    },
    'slow-database': (e, s) => {
      const edge = e.edges.find((x) => x.callee === s.groundTruth.service);
      const { base, fault } = windows(edge?.client.meanMs ?? [], e.baselineBuckets);
      expect(fault - base).toBeGreaterThan(3);
    },
    'network-delay': (e, s) => {
      const edge = e.edges.find((x) => x.callee === s.groundTruth.service);
      const gap = edge?.gapMsByInstance[s.groundTruth.instance ?? ''] ?? [];
      const { base, fault } = windows(gap, e.baselineBuckets);
      expect(fault - base).toBeGreaterThan(5);
    },
    'logged-exception': (e, s) => {
      const logs = e.logs[s.groundTruth.service] ?? {};
      const caught = Object.entries(logs).find(([t]) => t.startsWith('Caught exception'));
      expect(caught?.[1].severity).toBe('ERROR');
      expect(caught?.[1].counts.slice(0, e.baselineBuckets).every((c) => c === 0)).toBe(true);
      const op = e.operations.find(
        (o) => o.service === s.groundTruth.service && o.operation === s.groundTruth.operation,
      );
      const errors = op?.red.errors.slice(e.baselineBuckets).reduce((a, b) => a + b, 0) ?? 0;
      expect(errors).toBeLessThan(5);
    },
    'code-path-change': (e, s) => {
      const logs = e.logs[s.groundTruth.service] ?? {};
      const fallback = Object.entries(logs).find(([t]) => t.includes('fallback branch'));
      expect(fallback?.[1].counts.slice(e.baselineBuckets).some((c) => c > 0)).toBe(true);
    },
  };

  for (const kind of faultKinds) {
    it(
      kind,
      () => {
        const topology = kind === 'slow-database' ? trainTicket : onlineBoutique;
        const scenario = makeScenario(topology, kind, 1, short);
        cases[kind](evidenceOf(scenario), scenario);
      },
      30_000,
    );
  }

  it('records the ground truth without leaking it into the telemetry', () => {
    const scenario = makeScenario(trainTicket, 'network-delay', 2, short);
    expect(scenario.groundTruth).toMatchObject({
      kind: 'network-delay',
      service: scenario.faults[0]?.service,
    });
    expect(scenario.groundTruth.instance).toMatch(new RegExp(`^${scenario.groundTruth.service}-`));
    const { spans } = collect(scenario);
    expect(spans.some((s) => Object.keys(s.attributes).some((k) => k.includes('fault')))).toBe(
      false,
    );
  }, 30_000);
});
