import { describe, expect, it } from 'vitest';
import type { Evidence, LogTemplateSeries, TraceSpanSummary } from '../../activities/rca/evidence';
import { calleeOfLine } from '../../activities/rca/lines-about-calls';
import { logEvidence } from '../../activities/rca/logs';
import { baselineBuckets, bucketCount, redSeries, windowEvidence } from '../rca-window';

const step = (before: number, after: number) =>
  Array.from({ length: bucketCount }, (_, i) => (i < baselineBuckets ? before : after));

const traceIds = ['t1', 't2', 't3', 't4'];

const line = (operation: string, perBucket: number): LogTemplateSeries => ({
  severity: 'ERROR',
  counts: step(0, perBucket),
  operations: { [operation]: perBucket * (bucketCount - baselineBuckets) },
  traceIds,
});

const span = (
  spanId: string,
  service: string,
  operation: string,
  parentSpanId?: string,
): TraceSpanSummary => ({
  spanId,
  parentSpanId,
  service,
  operation,
  kind: 'SERVER',
  instance: `${service}-0`,
  durationMs: 10,
  error: false,
});

/**
 * execute → order, 100 calls a bucket each, every call as fast as in the baseline and no span
 * with an error status (as on Nezha's recordings). In the fault window execute writes a new
 * ERROR line on `executeLines` calls a bucket; order, when `orderLines` is set, writes a new ERROR
 * line of its own in the same traces.
 */
function evidence(executeLines: number, orderLines?: number): Evidence {
  const calls = redSeries(() => 10, 100);
  return windowEvidence({
    services: ['execute', 'order'],
    operations: [
      { service: 'execute', operation: '/execute', red: calls },
      { service: 'order', operation: '/order', red: calls },
    ],
    edges: [
      {
        caller: 'execute',
        callee: 'order',
        client: calls,
        gapMs: step(0.5, 0.5),
        gapMsByInstance: {},
        unanswered: step(0, 0),
      },
    ],
    logs: {
      execute: { 'ticket execute error: Order Status Wrong <*>': line('/execute', executeLines) },
      ...(orderLines !== undefined && {
        order: { 'Get Order By ID Fail <*>': line('/order', orderLines) },
      }),
    },
    traces: {
      normal: traceIds.map((traceId) => ({
        traceId,
        rootOperation: '/execute',
        durationMs: 10,
        error: false,
        spans: [span('a', 'execute', '/execute'), span('b', 'order', '/order', 'a')],
      })),
      abnormal: [],
    },
  });
}

const ownFailingLine = (e: Evidence, service: string) =>
  logEvidence.rank(e).find((c) => c.service === service)?.evidence.ownFailingLine;

describe("a callee's own failing line in the trace says the call failed", () => {
  it("reads a caller's line as about the callee that logged a failure in its traces", () => {
    const logged = new Map(traceIds.map((id) => [id, new Set(['order'])]));
    const about = calleeOfLine(evidence(20), logged);
    expect(about('execute', 'ticket execute error: Order Status Wrong <*>', traceIds)).toBe(
      'order',
    );
    expect(
      calleeOfLine(evidence(20))('execute', 'ticket execute error: <*>', traceIds),
    ).toBeUndefined();
  });

  it("so the logs member does not call the caller's line its own", () => {
    expect(ownFailingLine(evidence(20), 'execute')).toBeDefined();
    expect(ownFailingLine(evidence(20, 20), 'execute')).toBeUndefined();
    expect(ownFailingLine(evidence(20, 20), 'order')).toBe('Get Order By ID Fail <*>');
  });
});

describe("a service's own failing line", () => {
  it('is written by at least one call in twenty of the operations that wrote it', () => {
    // 20 of 100 calls a bucket: a code path failing; 2 of 100: a service's routine rare errors.
    expect(ownFailingLine(evidence(20), 'execute')).toBe(
      'ticket execute error: Order Status Wrong <*>',
    );
    expect(ownFailingLine(evidence(2), 'execute')).toBeUndefined();
  });
});
