/**
 * A pod's client-latency gauge is its wait on all its callees at once: the traces carry the same
 * waits per callee, with their side, so the gauge is not read as the pod's own series.
 */
import { describe, expect, it } from 'vitest';
import { buildEvidence, callerWaitGauge } from '../../activities/rca/evidence';
import type { MetricPoint } from '../../simulator/telemetry';

const window = { baselineStart: 0, faultStart: 180_000, end: 360_000 };

/** One reading a minute of `name` on the delivery pod; 28 s in the fault window. */
function gauge(name: string): MetricPoint[] {
  return Array.from({ length: 6 }, (_, minute) => ({
    timeUnixNano: BigInt((minute + 1) * 60_000) * 1_000_000n,
    service: 'delivery',
    instance: 'delivery-0',
    name,
    unit: 's',
    value: minute >= 3 ? 28 : 0.005,
    resource: {
      'service.name': 'delivery',
      'service.version': '1',
      'service.instance.id': 'delivery-0',
      'host.name': 'node-1',
      'k8s.pod.name': 'delivery-0',
    },
  }));
}

describe("a pod's wait on its callees", () => {
  it('names the client-latency gauges, not the server-latency or resource ones', () => {
    expect(callerWaitGauge('PodClientLatencyP99(s)')).toBe(true);
    expect(callerWaitGauge('client_latency_seconds')).toBe(true);
    expect(callerWaitGauge('PodServerLatencyP99(s)')).toBe(false);
    expect(callerWaitGauge('CpuUsageRate(%)')).toBe(false);
  });

  it("is left out of the pod's own series; its other gauges stay", () => {
    const points = [
      ...gauge('PodClientLatencyP99(s)'),
      ...gauge('PodServerLatencyP99(s)'),
      ...gauge('CpuUsageRate(%)'),
    ];
    const evidence = buildEvidence([], [], points, window);
    expect(evidence.metrics.map((m) => m.name).sort()).toEqual([
      'CpuUsageRate(%)',
      'PodServerLatencyP99(s)',
    ]);
  });
});
