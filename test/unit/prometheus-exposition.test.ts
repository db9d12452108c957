import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlineBoutique } from '../../simulator/online-boutique';
import { startShopExposition, type ShopExposition } from '../../simulator/prometheus-exposition';
import { liveSimulation } from '../../simulator/simulate';
import type { TelemetryBatch } from '../../simulator/telemetry';
import { freePort } from '../../worker/stack/ports';

/** Sum of the samples of `name` whose labels include every `match` pair. */
function sumOf(text: string, name: string, match: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries(
      [...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]),
    );
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

describe('the simulator as a Prometheus target', () => {
  let exposition: ShopExposition;
  let batch: TelemetryBatch;
  let text: string;

  beforeAll(async () => {
    exposition = await startShopExposition({ port: await freePort(), namespace: 'shop' });
    const start = Date.UTC(2026, 0, 1);
    const fault = {
      kind: 'error-burst' as const,
      service: 'cartservice',
      startMs: start,
      endMs: start + 60_000,
      magnitude: 0.5,
    };
    batch = liveSimulation({ topology: onlineBoutique, seed: 5, start, rps: 20 }).slice(
      start,
      start + 10_000,
      [fault],
    );
    exposition.record(batch);
    text = await (await fetch(`http://${exposition.target}/metrics`)).text();
  });
  afterAll(() => exposition.close());

  it('counts server spans by service and status, and times them in a histogram', () => {
    const served = batch.spans.filter((s) => s.kind === 'SERVER' && s.service === 'cartservice');
    const failed = served.filter((s) => s.status === 'ERROR').length;
    expect(failed).toBeGreaterThan(0);
    const cart = { service: 'cartservice', namespace: 'shop' };
    expect(sumOf(text, 'http_server_requests_total', { ...cart, code: '500' })).toBe(failed);
    expect(sumOf(text, 'http_server_requests_total', cart)).toBe(served.length);
    expect(sumOf(text, 'http_server_request_duration_seconds_count', cart)).toBe(served.length);
    const seconds = served.reduce(
      (s, span) => s + Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e9,
      0,
    );
    expect(sumOf(text, 'http_server_request_duration_seconds_sum', cart)).toBeCloseTo(seconds, 6);
  });

  it("exposes each pod's CPU seconds and resident memory", () => {
    const cpu = batch.metrics.find((m) => m.name === 'cpu.utilization')!;
    const pod = { service: cpu.service, pod: cpu.instance };
    expect(sumOf(text, 'process_cpu_seconds_total', pod)).toBeCloseTo(cpu.value * 10, 6);
    const memory = batch.metrics.find(
      (m) => m.name === 'memory.usage' && m.instance === cpu.instance,
    )!;
    expect(sumOf(text, 'process_resident_memory_bytes', pod)).toBe(memory.value);
  });
});
