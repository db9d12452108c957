import { describe, expect, it } from 'vitest';
import {
  anyLogLine,
  type CallPattern,
  type Evidence,
  type LogTemplateSeries,
  type RedSeries,
} from '../../activities/rca/evidence';
import { logEvidence } from '../../activities/rca/logs';
import { skippedLinesByService } from '../../activities/rca/skipped-lines';

const skippedLines = (e: Evidence, service: string) => skippedLinesByService(e).get(service);
import { baselineBuckets, bucketCount, redSeries, windowEvidence } from '../rca-window';

/** Per bucket: `before` in the baseline buckets, `after` in those of the fault window. */
const step = (before: number, after: number) =>
  Array.from({ length: bucketCount }, (_, i) => (i < baselineBuckets ? before : after));

const line = (severity: string, operation: string, counts: number[]): LogTemplateSeries => ({
  severity,
  counts,
  operations: { [operation]: counts.reduce((s, c) => s + c, 0) },
  traceIds: ['t1'],
});

/** `before` calls a bucket in the baseline, `after` in the fault window. */
function calls(before: number, after: number): RedSeries {
  return { ...redSeries(() => 5, before), calls: step(before, after) };
}

/** An operation's calls, baseline and fault window, and how many of them wrote a line. */
function pattern(
  service: string,
  operation: string,
  calls: [number, number],
  logging: [number, number],
): CallPattern {
  return {
    service,
    operation,
    calls,
    children: { [anyLogLine]: logging },
    callsWith: { [anyLogLine]: logging },
  };
}

/**
 * gateway → route and gateway → order. route logs an INFO line on every call of `byIds` and,
 * from the fault window on, logs it no more; order, a bystander, warns of retries in every
 * bucket where it warned once every four before.
 */
function evidence(routeCallsAfter: number): Evidence {
  return windowEvidence({
    services: ['gateway', 'route', 'order'],
    operations: [
      { service: 'gateway', operation: 'entry', red: calls(10, 10) },
      { service: 'route', operation: 'byIds', red: calls(5, routeCallsAfter) },
      { service: 'order', operation: 'query', red: calls(20, 20) },
    ],
    edges: ['route', 'order'].map((callee) => ({
      caller: 'gateway',
      callee,
      client: redSeries(() => 5, 5),
      gapMs: step(0.5, 0.5),
      gapMsByInstance: {},
      unanswered: step(0, 0),
    })),
    callPatterns: [
      pattern('route', 'byIds', [90, 18 * routeCallsAfter], [90, 0]),
      pattern('order', 'query', [360, 360], [360, 360]),
    ],
    logs: {
      route: { 'Query route by ids <*>': line('INFO', 'byIds', step(5, 0)) },
      order: {
        'Query done <*>': line('INFO', 'query', step(20, 20)),
        'Retrying call <*>': line(
          'WARN',
          'query',
          step(0, 1).map((c, i) => (i < baselineBuckets ? Number(i % 4 === 0) : c)),
        ),
      },
    },
  });
}

describe('a per-call line the calls stop writing', () => {
  it("ranks its service first while its calls go on, above a bystander's warning burst", () => {
    const e = evidence(5);
    expect(skippedLines(e, 'route')?.z).toBeLessThan(-3);
    expect(logEvidence.rank(e)[0]?.service).toBe('route');
    expect(logEvidence.rank(e)[0]?.evidence.skippedLines).toBe('byIds');
  });

  it('is not named as the evidence when a stronger line of the service leads', () => {
    const e = evidence(5);
    e.logs.route = {
      ...e.logs.route,
      'Route store unreachable <*>': line('ERROR', 'byIds', step(0, 40)),
    };
    const [top] = logEvidence.rank(e);
    expect(skippedLines(e, 'route')).toBeDefined();
    expect(top?.service).toBe('route');
    expect(top?.evidence.templates?.[0]).toMatch(/^new: Route store unreachable/);
    expect(top?.evidence.skippedLines).toBeUndefined();
  });

  it('is no evidence when the line stopped because the calls stopped', () => {
    const e = evidence(0);
    expect(skippedLines(e, 'route')).toBeUndefined();
    expect(logEvidence.rank(e)[0]?.service).toBe('order');
  });

  it('is no evidence when too few calls came to expect the line', () => {
    const e = evidence(5);
    e.callPatterns = [pattern('route', 'byIds', [90, 4], [90, 0])];
    expect(skippedLines(e, 'route')).toBeUndefined();
  });

  it('is no evidence when the calls still write a line, in other words', () => {
    const e = evidence(5);
    e.callPatterns = [pattern('route', 'byIds', [90, 90], [90, 90])];
    expect(skippedLines(e, 'route')).toBeUndefined();
  });

  it('is no evidence when most services whose calls wrote lines skip them at once (lines lost on the way)', () => {
    const e = evidence(5);
    e.callPatterns = [
      pattern('route', 'byIds', [90, 90], [90, 0]),
      pattern('order', 'query', [360, 360], [360, 0]),
    ];
    expect(skippedLinesByService(e).size).toBe(0);
    expect(logEvidence.rank(e)[0]?.service).toBe('order');
  });
});
