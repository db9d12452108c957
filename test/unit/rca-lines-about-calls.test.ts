import { describe, expect, it } from 'vitest';
import type { Evidence, LogTemplateSeries, TraceSpanSummary } from '../../activities/rca/evidence';
import { firstPicks } from '../../activities/rca/features';
import { calleeOfLine } from '../../activities/rca/lines-about-calls';
import { logEvidence } from '../../activities/rca/logs';
import { baselineBuckets, bucketCount, redSeries, windowEvidence } from '../rca-window';

const step = (before: number, after: number) =>
  Array.from({ length: bucketCount }, (_, i) => (i < baselineBuckets ? before : after));

const traceIds = ['t1', 't2', 't3', 't4'];

const line = (severity: string, counts: number[]): LogTemplateSeries => ({
  severity,
  counts,
  operations: { '/checkout': counts.reduce((s, c) => s + c, 0) },
  traceIds,
});

const span = (
  spanId: string,
  service: string,
  operation: string,
  durationMs: number,
  parentSpanId?: string,
): TraceSpanSummary => ({
  spanId,
  parentSpanId,
  service,
  operation,
  kind: 'SERVER',
  instance: `${service}-0`,
  durationMs,
  error: false,
});

/**
 * frontend → checkout → payment. In the fault window checkout warns that it retries after a
 * timeout, and in the traces those lines were written in payment's spans under checkout's take
 * `paymentMs` where the baseline's p99 was 20 ms. payment itself logs nothing; the random-looking
 * INFO line of frontend's is a bystander.
 */
function evidence(paymentMs: number, bankMs?: number): Evidence {
  const fast = redSeries(() => 20, 100);
  return windowEvidence({
    services: ['frontend', 'checkout', 'payment', 'bank'],
    operations: [
      { service: 'frontend', operation: '/home', red: fast },
      { service: 'checkout', operation: '/checkout', red: fast },
      { service: 'payment', operation: '/charge', red: fast },
      { service: 'bank', operation: '/debit', red: fast },
    ],
    edges: [
      ['frontend', 'checkout'],
      ['checkout', 'payment'],
    ].map(([caller = '', callee = '']) => ({
      caller,
      callee,
      client: fast,
      gapMs: step(0.5, 0.5),
      gapMsByInstance: {},
      unanswered: step(0, 0),
    })),
    logs: {
      frontend: {
        'Rendered page <*>': { ...line('INFO', step(0, 1)), traceIds: [], operations: {} },
      },
      checkout: { 'Retrying request after transient timeout <*>': line('WARN', step(0, 5)) },
    },
    traces: {
      normal: [],
      abnormal: traceIds.map((traceId) => ({
        traceId,
        rootOperation: '/home',
        durationMs: paymentMs + 10,
        error: false,
        spans: [
          span('a', 'frontend', '/home', paymentMs + 10),
          span('b', 'checkout', '/checkout', paymentMs + 5, 'a'),
          span('c', 'payment', '/charge', paymentMs, 'b'),
          ...(bankMs === undefined ? [] : [span('d', 'bank', '/debit', bankMs, 'c')]),
        ],
      })),
    },
  });
}

describe("a caller's line about a call it made is the callee's evidence", () => {
  it('reads a retry line written in traces where the callee was slow as about the callee', () => {
    const about = calleeOfLine(evidence(900));
    expect(about('checkout', 'Retrying request after transient timeout <*>', traceIds)).toBe(
      'payment',
    );
    expect(
      calleeOfLine(evidence(15))('checkout', 'Retrying request <*>', traceIds),
    ).toBeUndefined();
  });

  it('passes the line down to where the delay is: a callee slow only while its own callee is', () => {
    const about = calleeOfLine(evidence(900, 880));
    expect(about('checkout', 'Retrying request after transient timeout <*>', traceIds)).toBe(
      'bank',
    );
    expect(calleeOfLine(evidence(900, 15))('checkout', 'Retrying <*>', traceIds)).toBe('payment');
  });

  it('reads a line that names another service as about it', () => {
    const about = calleeOfLine(evidence(15));
    expect(about('checkout', 'call to payment Charge failed', [])).toBe('payment');
    expect(about('checkout', 'cart is empty', [])).toBeUndefined();
  });

  it("discounts the caller's retries when its callee was slow in their traces", () => {
    const score = (e: Evidence) =>
      logEvidence.rank(e).find((c) => c.service === 'checkout')?.score ?? 0;
    expect(score(evidence(900))).toBeLessThan(0.5 * score(evidence(15)));
  });

  it('leaves the line with the caller when its callees answered as usual', () => {
    const ranked = logEvidence.rank(evidence(15));
    expect(ranked[0]?.service).toBe('checkout');
  });

  it('says its top rests on a line about a call, and such a pick corroborates no opening', () => {
    const [top] = logEvidence.rank(evidence(900));
    expect(top?.service).toBe('checkout');
    expect(top?.evidence.aboutCall).toBe('payment');
    expect(firstPicks({ logs: logEvidence.rank(evidence(900)) })).toEqual({});
    // The same line while payment answered as usual is checkout's own, and a pick.
    expect(logEvidence.rank(evidence(15))[0]?.evidence.aboutCall).toBeUndefined();
    expect(firstPicks({ logs: logEvidence.rank(evidence(15)) })).toEqual({ logs: 'checkout' });
  });
});
