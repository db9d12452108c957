import { describe, expect, it } from 'vitest';
import {
  callPatterns,
  servicePatternChanges,
  withCallPatterns,
} from '../../activities/rca/call-patterns';
import { anyLogLine, buildEvidence } from '../../activities/rca/evidence';
import type { LogRecord, Span } from '../../simulator/telemetry';

const window = { baselineStart: 0, faultStart: 120_000, end: 180_000 };

/**
 * gateway → hub → stock → its own database query, then hub → user; no span kinds. From the
 * fault window on, `stock` returns early (no query) in 60% of calls; with `propagate`, the hub
 * then skips its call to `user` too (a throw reaching the caller).
 */
function spans(propagate: boolean, returnsEarly = true): Span[] {
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
    const early = returnsEarly && t >= window.faultStart && n % 5 < 3;
    const root = add(traceId, undefined, 'gateway', '/*', t);
    const hub = add(traceId, add(traceId, root, 'gateway', 'GET', t), 'hub', '/plan', t);
    const stock = add(traceId, add(traceId, hub, 'hub', 'POST', t), 'stock', '/stock', t);
    if (!early) add(traceId, stock, 'stock', 'SELECT stock', t);
    if (!(early && propagate))
      add(traceId, add(traceId, hub, 'hub', 'POST', t), 'user', '/user', t);
  }
  return out;
}

/**
 * Each `stock` call writes one INFO line under its span. From the fault window on, 60% of calls
 * throw before writing it (their spans unchanged: the query ran) and the hub logs an ERROR for
 * them: the only trace of the fault in `stock` is a line its calls no longer write.
 */
function skippedLines(all: readonly Span[]): LogRecord[] {
  const out: LogRecord[] = [];
  const stockCalls = all.filter((s) => s.service === 'stock' && s.operation === '/stock');
  const hubCalls = new Map(
    all.filter((s) => s.service === 'hub' && s.operation === '/plan').map((s) => [s.traceId, s]),
  );
  stockCalls.forEach((s, n) => {
    const thrown = s.startTimeUnixNano >= 120_000_000_000n && n % 5 < 3;
    const line = (span: Span, severityText: 'INFO' | 'ERROR', body: string) =>
      out.push({
        timeUnixNano: span.startTimeUnixNano + 1_000_000n,
        service: span.service,
        severityText,
        severityNumber: severityText === 'ERROR' ? 17 : 9,
        body,
        traceId: span.traceId,
        spanId: span.spanId,
        resource: span.resource,
      });
    const hub = hubCalls.get(s.traceId);
    if (!thrown) line(s, 'INFO', `reserved ${n % 7} items`);
    else if (hub) line(hub, 'ERROR', 'stock call failed: 500');
  });
  return out;
}

describe('call-pattern evidence', () => {
  it('ranks first a service whose calls stopped writing a line they always wrote', () => {
    const all = spans(false);
    const evidence = buildEvidence(all, skippedLines(all), [], window);
    const ranking = callPatterns.rank(evidence);
    expect(ranking[0]?.service).toBe('stock');
    expect(ranking[0]?.evidence.templates?.[0]).toContain('log reserved');
    // The hub's new ERROR line is the echo of the callee's throw.
    expect(ranking.find((c) => c.service === 'hub')!.score).toBeLessThan(0.5 * ranking[0]!.score);
  });

  it('sees a throw before the first line when the lines carry data that splits them', () => {
    // Each call logs the item type it reserved: five templates, each written by a fifth of calls.
    const types = ['chair', 'desk', 'lamp', 'shelf', 'stool'];
    const all = spans(false, false);
    const lines = skippedLines(all).map((l, n) =>
      l.severityText === 'INFO' ? { ...l, body: `reserved a ${types[n % 5]}` } : l,
    );
    const change = servicePatternChanges(buildEvidence(all, lines, [], window)).get('stock');
    expect(change?.child).toBe(anyLogLine);
    expect(change!.z).toBeLessThan(-10);
  });

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
