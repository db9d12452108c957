/**
 * A client-side latency (a process's wait on the calls it made) is not read as the process's own
 * series: the traces carry the same waits per callee, with their side.
 */
import { describe, expect, it } from 'vitest';
import { buildEvidence } from '../../activities/rca/evidence';
import { isClientLatency } from '../../activities/rca/metric-kinds';
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

describe('a client-side latency', () => {
  it.each([
    'http.client.request.duration',
    'http.client.duration',
    'rpc.client.duration',
    'rpc.client.call.duration',
    'db.client.operation.duration',
    'messaging.client.operation.duration',
    'http_client_request_duration_seconds_bucket',
    'PodClientLatencyP90(s)',
    'PodClientLatencyP99(s)',
  ])('is %s', (name) => {
    expect(isClientLatency(name)).toBe(true);
  });

  it.each([
    'http.server.request.duration',
    'rpc.server.duration',
    'PodServerLatencyP99(s)',
    'LatencyP99(s)',
    'http.client.request.body.size',
    'http.client.active_requests',
    'http.client.connection.duration',
    'db.client.connection.create_time',
    'db.client.connection.wait_time',
    'CpuUsageRate(%)',
  ])('is not %s', (name) => {
    expect(isClientLatency(name)).toBe(false);
  });

  it("is left out of the pod's own series; its server latency and resources stay", () => {
    const points = [
      ...gauge('PodClientLatencyP99(s)'),
      ...gauge('http.client.request.duration'),
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
