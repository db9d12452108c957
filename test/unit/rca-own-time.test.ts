/**
 * A caller slowed only by its callee did nothing slower itself: its operation's latency is
 * scored on its own time (its span less its waits on calls out), so the entry service above a
 * slow callee does not read as slow as the callee.
 */
import { describe, expect, it } from 'vitest';
import { buildEvidence, ownTimeMs } from '../../activities/rca/evidence';
import { scoreSeries } from '../../activities/rca/signals';
import { Random } from '../../simulator/random';
import type { Span } from '../../simulator/telemetry';

const window = { baselineStart: 0, faultStart: 180_000, end: 240_000 };

function span(
  traceId: string,
  spanId: string,
  parent: string | undefined,
  service: string,
  startMs: number,
  ms: number,
): Span {
  return {
    traceId,
    spanId,
    parentSpanId: parent,
    service,
    operation: service === 'frontend' ? '/home' : `/${service}`,
    kind: 'INTERNAL',
    startTimeUnixNano: BigInt(Math.round(startMs * 1000)) * 1000n,
    endTimeUnixNano: BigInt(Math.round((startMs + ms) * 1000)) * 1000n,
    status: 'UNSET',
    attributes: {},
    resource: {
      'service.name': service,
      'service.version': '1',
      'service.instance.id': `${service}-0`,
      'host.name': 'node-1',
      'k8s.pod.name': `${service}-0`,
    },
  };
}

/**
 * A request every 50 ms: frontend works a little, calls cart, works a little more. In the fault
 * window `slow` multiplies the work of one of them.
 */
function spans(slow: 'cart' | 'frontend'): Span[] {
  const rng = new Random(11);
  const out: Span[] = [];
  let n = 0;
  for (let t = 0; t < window.end - 1_000; t += 50, n++) {
    const fault = t >= window.faultStart;
    const factor = (service: string) => (fault && slow === service ? 20 : 1);
    const traceId = n.toString(16).padStart(32, '0');
    const id = (k: number) => (n * 4 + k).toString(16).padStart(16, '0');
    const before = (1 + rng.next()) * factor('frontend');
    const cartMs = (3 + rng.next()) * factor('cart');
    const after = (1 + rng.next()) * factor('frontend');
    const total = before + cartMs + 1 + after;
    out.push(span(traceId, id(0), undefined, 'frontend', t, total));
    out.push(span(traceId, id(1), id(0), 'frontend', t + before, cartMs + 1));
    out.push(span(traceId, id(2), id(1), 'cart', t + before + 0.5, cartMs));
  }
  return out;
}

const latencyZ = (all: readonly Span[], service: string) =>
  Math.max(
    ...scoreSeries(buildEvidence(all, [], [], window))
      .filter((s) => s.service === service && s.family === 'latency')
      .map((s) => s.z),
  );

describe('own time of an operation', () => {
  it('does not score a caller slowed only by its callee as slow', () => {
    const all = spans('cart');
    expect(latencyZ(all, 'cart')).toBeGreaterThan(50);
    // Frontend's requests take 20 times as long, all of it waiting on cart.
    expect(latencyZ(all, 'frontend')).toBeLessThan(3);
  });

  it('scores a caller whose own work slowed', () => {
    const all = spans('frontend');
    expect(latencyZ(all, 'frontend')).toBeGreaterThan(50);
    expect(latencyZ(all, 'cart')).toBeLessThan(3);
  });

  it('counts calls that overlap once, and only within the span', () => {
    const parent = span('t', 'p', undefined, 'frontend', 0, 100);
    const calls = [
      span('t', 'a', 'p', 'cart', 10, 40),
      span('t', 'b', 'p', 'ad', 30, 40),
      span('t', 'c', 'p', 'frontend', 80, 5),
      span('t', 'd', 'c', 'currency', 82, 30),
    ];
    const children = new Map([
      ['p', calls.slice(0, 3)],
      ['c', calls.slice(3)],
    ]);
    // Waits: cart and ad together 10–70, currency (below frontend's own child) 82–100.
    expect(ownTimeMs(parent, children)).toBeCloseTo(100 - 60 - 18, 6);
  });
});
