import { describe, expect, it } from 'vitest';
import { callPatterns, withCallPatterns } from '../../activities/rca/call-patterns';
import { buildEvidence } from '../../activities/rca/evidence';
import type { Span } from '../../simulator/telemetry';

const window = { baselineStart: 0, faultStart: 120_000, end: 180_000 };

/**
 * gateway → hub → stock → its own database query, then hub → user; no span kinds. From the
 * fault window on, `stock` returns early (no query) in 60% of calls; with `propagate`, the hub
 * then skips its call to `user` too (a throw reaching the caller).
 */
function spans(propagate: boolean): Span[] {
  const out: Span[] = [];
  let ids = 0;
  const add = (
    traceId: string,
    parent: string | undefined,
    service: string,
    op: string,
    t: number,
  ) => {
    const spanId = (++ids).toString(16).padStart(16, '0');
    const ns = BigInt(t) * 1_000_000n;
    out.push({
      traceId,
      spanId,
      parentSpanId: parent,
      service,
      operation: op,
      kind: 'INTERNAL',
      startTimeUnixNano: ns,
      endTimeUnixNano: ns + 2_000_000n,
      status: 'UNSET',
      attributes: {},
      resource: {
        'service.name': service,
        'service.version': '1',
        'service.instance.id': `${service}-0`,
        'host.name': 'n',
        'k8s.pod.name': `${service}-0`,
      },
    });
    return spanId;
  };
  for (let t = 0, n = 0; t < window.end - 1_000; t += 100, n++) {
    const traceId = n.toString(16).padStart(32, '0');
    const early = t >= window.faultStart && n % 5 < 3;
    const root = add(traceId, undefined, 'gateway', '/*', t);
    const hub = add(traceId, add(traceId, root, 'gateway', 'GET', t), 'hub', '/plan', t);
    const stock = add(traceId, add(traceId, hub, 'hub', 'POST', t), 'stock', '/stock', t);
    if (!early) add(traceId, stock, 'stock', 'SELECT stock', t);
    if (!(early && propagate))
      add(traceId, add(traceId, hub, 'hub', 'POST', t), 'user', '/user', t);
  }
  return out;
}

describe('call-pattern evidence', () => {
  it('ranks first a service whose calls stopped doing what they did, with no log line', () => {
    const evidence = buildEvidence(spans(false), [], [], window);
    const ranking = callPatterns.rank(evidence);
    expect(ranking[0]?.service).toBe('stock');
    expect(ranking[0]?.operation).toBe('/stock');
  });

  it('blames the callee, not the hub whose next call vanished with it', () => {
    const evidence = buildEvidence(spans(true), [], [], window);
    const ranking = callPatterns.rank(evidence);
    expect(ranking.map((c) => c.service).slice(0, 2)).toEqual(['stock', 'hub']);
    expect(ranking[1]!.score).toBeLessThan(0.5 * ranking[0]!.score);
  });

  it('sees no change where the calls do what they did, however many there are', () => {
    const evidence = buildEvidence(
      spans(false).filter((s) => s.startTimeUnixNano < 120_000_000_000n || s.traceId.endsWith('0')),
      [],
      [],
      { baselineStart: 0, faultStart: 60_000, end: 120_000 },
    );
    // Only the smoothing of an always-taken step is left: far from any real change.
    for (const c of callPatterns.rank(evidence)) expect(c.score).toBeLessThan(1);
  });

  it('adds call-pattern changes to the log ranking at a share of their surprise', () => {
    const merged = withCallPatterns(
      [{ service: 'a', kind: 'logs', score: 2, evidence: {} }],
      [
        { service: 'b', kind: 'errors', score: 10, evidence: {} },
        { service: 'a', kind: 'errors', score: 1, evidence: {} },
      ],
    );
    expect(merged.map((c) => [c.service, Number(c.score.toFixed(2))])).toEqual([
      ['b', 3],
      ['a', 2.3],
    ]);
  });
});
