import { describe, expect, it } from 'vitest';
import { SpanKind } from '../../ingest/otlp';
import { ServiceEdgeTracker, type EdgeSpan } from '../../ingest/service-edges';
import { Rollups } from '../../store/telemetry-rollups';
import { histogramQuantile } from '../../store/telemetry-histogram';

const id = (n: number) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, n]);

/** A caller's CLIENT span and the callee's SERVER span under it, with their durations (ms). */
function call(n: number, clientMs: number, serverMs: number): EdgeSpan[] {
  const span = (
    spanId: number,
    parent: number | null,
    serviceId: number,
    kind: number,
    ms: number,
  ) => ({
    spanId: id(spanId),
    parentSpanId: parent === null ? null : id(parent),
    serviceId,
    kind,
    startUs: 1_700_000_000_000_000,
    durationNs: ms * 1e6,
    statusCode: 0,
    peerServiceId: null,
  });
  return [
    span(2 * n + 1, 2 * n, 1, SpanKind.SPAN_KIND_CLIENT, clientMs),
    span(2 * n + 2, 2 * n + 1, 2, SpanKind.SPAN_KIND_SERVER, serverMs),
  ];
}

function edgeP95(calls: EdgeSpan[][]): number {
  const rollups = new Rollups();
  const tracker = new ServiceEdgeTracker(15_000, 1_000, () => 0);
  for (const spans of calls) tracker.observe(spans, rollups);
  const [edge] = [...rollups.edges.values()];
  return histogramQuantile({ offset: 0, counts: [...edge!.latency] }, 0.95)! / 1000;
}

describe('service edges', () => {
  it('measure what the caller waited: a slow network shows on the edge, not only the callee’s time', () => {
    // 20 ms of work at the callee, 2 s on the wire: the edge is about 2 s.
    expect(edgeP95([1, 2, 3].map((n) => call(n, 2_020, 20)))).toBeGreaterThan(1_500);
    // The callee's own time when the caller's span is shorter (a message sent, not awaited).
    expect(edgeP95([1, 2, 3].map((n) => call(n, 1, 300)))).toBeGreaterThan(200);
  });
});
