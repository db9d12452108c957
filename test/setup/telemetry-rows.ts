import type { Resource, Span } from '../../simulator/telemetry';

/** The resource of a service's one pod, as the ranking's unit tests build their rows. */
export const podResource = (service: string): Resource => ({
  'service.name': service,
  'service.version': '1',
  'service.instance.id': `${service}-0`,
  'host.name': 'node-1',
  'k8s.pod.name': `${service}-0`,
});

/** One served call of `service` starting at `atMs` (epoch ms) and lasting `durationMs`. */
export function servedCall(service: string, atMs: number, durationMs: number): Span {
  return {
    traceId: `${service}-${atMs}`,
    spanId: `${service}-${atMs}`,
    service,
    operation: 'GET /',
    kind: 'SERVER',
    startTimeUnixNano: BigInt(atMs) * 1_000_000n,
    endTimeUnixNano: BigInt(atMs + durationMs) * 1_000_000n,
    status: 'UNSET',
    attributes: {},
    resource: podResource(service),
  };
}
