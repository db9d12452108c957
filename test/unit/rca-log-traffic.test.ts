import { describe, expect, it } from 'vitest';
import type { Evidence, LogTemplateSeries } from '../../activities/rca/evidence';
import { failureShareShift, logEvidence } from '../../activities/rca/logs';
import { baselineBuckets, bucketCount, redSeries, windowEvidence } from '../rca-window';

/** Per bucket: `before` in the baseline buckets, `after` in those of the fault window. */
const step = (before: number, after: number) =>
  Array.from({ length: bucketCount }, (_, i) => (i < baselineBuckets ? before : after));

const line = (severity: string, counts: number[]): LogTemplateSeries => ({
  severity,
  counts,
  operations: { op: counts.reduce((s, c) => s + c, 0) },
  traceIds: ['t1'],
});

/**
 * a → b → c, every service serving 100 calls a bucket throughout. a's usual INFO line comes
 * four times as often per request (a loop over a table that grew, a different request mix);
 * c, as busy as ever, warns of retries four times as often as before.
 */
function evidence(): Evidence {
  const red = redSeries(() => 5, 100);
  return windowEvidence({
    services: ['a', 'b', 'c'],
    operations: ['a', 'b', 'c'].map((service) => ({ service, operation: 'op', red })),
    edges: [
      ['a', 'b'],
      ['b', 'c'],
    ].map(([caller = '', callee = '']) => ({
      caller,
      callee,
      client: red,
      gapMs: step(0.5, 0.5),
      gapMsByInstance: {},
      unanswered: step(0, 0),
    })),
    logs: {
      a: { 'Left ticket in <*>': line('INFO', step(10, 40)) },
      c: {
        'Query done <*>': line('INFO', step(10, 10)),
        // Once every 4 buckets before, every bucket since.
        'Retrying call <*>': line(
          'WARN',
          step(0, 1).map((c, i) => (i < baselineBuckets ? Number(i % 4 === 0) : c)),
        ),
      },
    },
  });
}

describe('the logs member reads failure, not traffic', () => {
  it('does not let an INFO line logged more, while its service fails no more often, outrank a warning burst', () => {
    const e = evidence();
    expect(failureShareShift(e, 'a')).toBe(0);
    expect(failureShareShift(e, 'c')).toBeGreaterThan(0);
    const ranked = logEvidence.rank(e).map((c) => c.service);
    expect(ranked[0]).toBe('c');
    expect(ranked).not.toContain('a');
  });

  it('counts the same INFO burst once the service fails more often too', () => {
    const e = evidence();
    const warnOnly = { 'Timed out <*>': line('WARN', step(1, 20)) };
    e.logs.a = warnOnly;
    const alone = logEvidence.rank(e).find((c) => c.service === 'a')?.score ?? 0;
    e.logs.a = { ...warnOnly, 'Left ticket in <*>': line('INFO', step(10, 40)) };
    expect(failureShareShift(e, 'a')).toBeGreaterThan(3);
    const withBurst = logEvidence.rank(e).find((c) => c.service === 'a')?.score ?? 0;
    expect(withBurst).toBeGreaterThan(alone);
    expect(logEvidence.rank(e)[0]?.service).toBe('a');
  });
});
