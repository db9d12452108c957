/**
 * Shapes of real telemetry the simulator's defaults do not have: spans without kind or status,
 * a code-level fault seen only in logs, and a busy hub that calls the faulty service.
 */
import { describe, expect, it } from 'vitest';
import { investigate } from '../../activities/rca/ensemble';
import { buildEvidence, withInferredKinds } from '../../activities/rca/evidence';
import { Random } from '../../simulator/random';
import type { LogRecord, Resource, Span, SpanKind } from '../../simulator/telemetry';
import { severityOf } from '../../store/investigation-telemetry';

const window = { baselineStart: 0, faultStart: 180_000, end: 240_000 };
const leaves = ['cart', 'price', 'stock', 'user', 'route'];

function resource(service: string): Resource {
  return {
    'service.name': service,
    'service.version': '1',
    'service.instance.id': `${service}-0`,
    'host.name': 'node-1',
    'k8s.pod.name': `${service}-0`,
  };
}

interface World {
  spans: Span[];
  logs: LogRecord[];
}

/**
 * Requests every 50 ms: gateway → hub → every leaf, no span kind or status anywhere (as a
 * replay of real traces without them); `slow` multiplies one leaf's work in the fault window,
 * `logged` adds one line per call of a service and returns its body.
 */
function world(
  options: {
    slow?: { service: string; factor: number };
    log?: (service: string, fault: boolean, rng: Random) => string | null;
  } = {},
): World {
  const rng = new Random(7);
  const spans: Span[] = [];
  const logs: LogRecord[] = [];
  let ids = 0;
  const id = () => (++ids).toString(16).padStart(16, '0');
  const add = (
    traceId: string,
    parent: string | undefined,
    service: string,
    operation: string,
    startMs: number,
    ms: number,
    kind: SpanKind = 'INTERNAL',
  ): string => {
    const spanId = id();
    spans.push({
      traceId,
      spanId,
      parentSpanId: parent,
      service,
      operation,
      kind,
      startTimeUnixNano: BigInt(Math.round(startMs * 1000)) * 1000n,
      endTimeUnixNano: BigInt(Math.round((startMs + ms) * 1000)) * 1000n,
      status: 'UNSET',
      attributes: {},
      resource: resource(service),
    });
    return spanId;
  };
  for (let t = 0; t < window.end - 1_000; t += 50) {
    const fault = t >= window.faultStart;
    const traceId = id() + id();
    const line = (service: string, spanId: string) => {
      const body = options.log?.(service, fault, rng);
      if (!body) return;
      const severityNumber = severityOf(0, body);
      logs.push({
        timeUnixNano: BigInt(t + 5) * 1_000_000n,
        service,
        severityNumber,
        severityText: severityNumber >= 17 ? 'ERROR' : severityNumber >= 13 ? 'WARN' : 'INFO',
        body,
        traceId,
        spanId,
        resource: resource(service),
      });
    };
    let at = t + 2;
    const leafSpans: [string, string, number, number][] = leaves.map((leaf) => {
      const factor = fault && options.slow?.service === leaf ? options.slow.factor : 1;
      const ms = (3 + rng.next()) * factor;
      const start = at;
      at += ms + 1;
      return [leaf, `/api/${leaf}`, start, ms];
    });
    const hubMs = at - t;
    const root = add(traceId, undefined, 'gateway', '/*', t, hubMs + 3);
    const proxy = add(traceId, root, 'gateway', 'HTTP GET', t + 1, hubMs + 1);
    const hub = add(traceId, proxy, 'hub', '/api/plan', t + 1.5, hubMs);
    line('hub', hub);
    for (const [leaf, op, start, ms] of leafSpans) {
      const call = add(traceId, hub, 'hub', 'HTTP POST', start - 0.5, ms + 1);
      const served = add(traceId, call, leaf, op, start, ms);
      line(leaf, served);
    }
  }
  return { spans, logs };
}

describe('ranking on real-telemetry shapes', () => {
  it('infers callers and callees from spans without kind', () => {
    const { spans } = world();
    const inferred = withInferredKinds(spans.slice(0, 13));
    expect(inferred.map((s) => `${s.service}:${s.operation}:${s.kind}`).slice(0, 5)).toEqual([
      'gateway:/*:SERVER',
      'gateway:HTTP GET:CLIENT',
      'hub:/api/plan:SERVER',
      'hub:HTTP POST:CLIENT',
      'cart:/api/cart:SERVER',
    ]);

    const evidence = buildEvidence(spans, [], [], window);
    const edges = evidence.edges.map((e) => `${e.caller}→${e.callee}`).sort();
    expect(edges).toEqual(['gateway→hub', ...leaves.map((l) => `hub→${l}`)].sort());
    const cart = evidence.edges.find((e) => e.callee === 'cart')!;
    // The gap is the client span minus the server span: the 1 ms the simulated call adds.
    expect(cart.gapMs[0]).toBeCloseTo(1, 5);
    expect(evidence.operations.map((o) => o.service).sort()).toEqual(
      ['gateway', 'hub', ...leaves].sort(),
    );
  });

  it('ranks first a code-level fault visible only in its logs, not the busy hub that calls it', () => {
    const { spans, logs } = world({
      log: (service, fault, rng) => {
        if (service === 'price') {
          return fault && rng.chance(0.4)
            ? '12:00:01.123 ERROR c.p.PriceServiceImpl#88 java.lang.IllegalStateException: price not found for route 42'
            : '12:00:01.123 INFO  c.p.PriceServiceImpl#80 [getPrice][price found][route 42]';
        }
        if (service === 'hub') return '12:00:01.120 INFO  c.h.PlanServiceImpl#12 [plan][start]';
        return null;
      },
    });
    const evidence = buildEvidence(spans, logs, [], window);
    const { ranking } = investigate(evidence);
    expect(ranking[0]?.service).toBe('price');
  });

  it('does not rank a busy hub first on the latency it inherits from a slow callee', () => {
    const { spans } = world({ slow: { service: 'stock', factor: 4 } });
    const { ranking, members } = investigate(buildEvidence(spans, [], [], window));
    expect(ranking[0]?.service).toBe('stock');
    expect(ranking[0]?.service).not.toBe('hub');
    expect(Object.keys(members).length).toBeGreaterThan(3);
  });

  it('reads the level written in a plain-text line that came without a severity', () => {
    expect(severityOf(0, '17:25:35.011 ERROR o.a.c.c.C.[dispatcherServlet]#175 boom')).toBe(17);
    expect(severityOf(0, '2023-01-29 09:00:00 [WARN] retrying')).toBe(13);
    expect(severityOf(0, 'an error happened in the middle')).toBe(0);
    expect(severityOf(9, 'ERROR written but sent as INFO')).toBe(9);
  });
});
