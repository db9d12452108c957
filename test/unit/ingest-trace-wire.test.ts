import { describe, expect, it } from 'vitest';
import { TraceRequest } from '../../ingest/otlp';
import { decodeTraceRequest, traceRequestParts } from '../../ingest/signals/trace-wire';

function spanWith(attributes: { key: string; value: Record<string, unknown> }[]) {
  const body = TraceRequest.encode(
    TraceRequest.fromObject({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.alloc(16, 1),
                  spanId: Buffer.alloc(8, 2),
                  name: 'GET /',
                  attributes,
                },
              ],
            },
          ],
        },
      ],
    }),
  ).finish();
  return decodeTraceRequest(body)[0]!.scopeSpans[0]!.spans[0]!;
}

describe('span wire decoder', () => {
  it('writes int64 attributes as exact JSON numbers over the whole int64 range', () => {
    const values = [
      '0',
      '1',
      '-1',
      '127',
      '128',
      '2147483647',
      '-2147483648',
      '4294967296',
      '9007199254740991',
      '-9007199254740992',
      '9007199254740993',
      '-9007199254740993',
      '9223372036854775807',
      '-9223372036854775808',
    ];
    const span = spanWith(values.map((v, i) => ({ key: `k${i}`, value: { intValue: v } })));
    expect(span.attributes!.toString('utf8')).toBe(
      `{${values.map((v, i) => `"k${i}":${v}`).join(',')}}`,
    );
  });

  it('promotes an integer HTTP status and keeps other attributes in the JSON', () => {
    const span = spanWith([
      { key: 'http.response.status_code', value: { intValue: 503 } },
      { key: 'peer.service', value: { stringValue: 'payments' } },
      { key: 'http.route', value: { stringValue: '/pay' } },
    ]);
    expect(span.httpStatus).toBe(503);
    expect(span.peerService).toBe('payments');
    expect(span.attributes!.toString('utf8')).toBe('{"http.route":"/pay"}');
  });
});

describe('span wire decoder, in parts', () => {
  const spanOf = (i: number) => ({
    traceId: Buffer.alloc(16, 1),
    spanId: Buffer.alloc(8, i + 1),
    name: `op-${i}`,
  });
  // Two resources; the first has two scopes. Fields out of their usual order (the resource
  // after its scopes) must still apply to every span of the block.
  const body = Buffer.concat([
    TraceRequest.encode({
      resourceSpans: [
        {
          scopeSpans: [
            { scope: { name: 's1' }, spans: [0, 1, 2].map(spanOf) },
            { scope: { name: 's2' }, spans: [3, 4].map(spanOf) },
          ],
        },
      ],
    }).finish(),
    TraceRequest.encode({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'a' } }] },
        },
      ],
    }).finish(),
    TraceRequest.encode({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'b' } }] },
          scopeSpans: [{ scope: { name: 's3' }, spans: [5, 6].map(spanOf) }],
        },
      ],
    }).finish(),
  ]);
  /** Each part as [service, scope, span names] per scope block. */
  const shape = (parts: ReturnType<typeof decodeTraceRequest>[]) =>
    parts.map((part) =>
      part.flatMap((rs) =>
        rs.scopeSpans.map((ss) => [
          rs.resource?.attributes?.[0]?.value?.stringValue ?? null,
          ss.scope?.name,
          ss.spans.map((s) => s.name),
        ]),
      ),
    );

  it('splits at the span limit, repeating the resource and scope a part continues', () => {
    expect(shape([...traceRequestParts(body, { spans: 2, bytes: Infinity })])).toEqual([
      [[null, 's1', ['op-0', 'op-1']]],
      [
        [null, 's1', ['op-2']],
        [null, 's2', ['op-3']],
      ],
      [
        [null, 's2', ['op-4']],
        ['b', 's3', ['op-5']],
      ],
      [['b', 's3', ['op-6']]],
    ]);
  });

  it('reads a resource that comes after its scopes (repeated messages concatenate)', () => {
    // The resource message of the second resourceSpans entry: field 1 after field 2.
    const head = TraceRequest.encode({
      resourceSpans: [{ scopeSpans: [{ spans: [spanOf(0)] }] }],
    }).finish();
    const inner = Buffer.from(head.subarray(2)); // the ResourceSpans message's own bytes
    const resource = Buffer.from(
      TraceRequest.encode({
        resourceSpans: [
          { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'late' } }] } },
        ],
      })
        .finish()
        .subarray(2),
    );
    const reordered = Buffer.concat([
      Buffer.from([0x0a, inner.length + resource.length]),
      inner,
      resource,
    ]);
    expect(shape([...traceRequestParts(reordered)])).toEqual([[['late', undefined, ['op-0']]]]);
  });

  it('splits at the byte limit and decodes a part only when it is asked for', () => {
    const truncated = Buffer.concat([body, Buffer.from([0x0a, 0x05, 0x12])]);
    const parts = traceRequestParts(truncated, { spans: Infinity, bytes: 1 });
    const first = parts.next();
    expect(first.done ? [] : first.value[0]?.scopeSpans[0]?.spans.map((s) => s.name)).toEqual([
      'op-0',
    ]);
    for (let i = 1; i < 7; i++) expect(parts.next().done).toBe(false);
    expect(() => parts.next()).toThrow(/past the end/);
  });

  it('decodes the same spans whole or in parts', () => {
    const whole = decodeTraceRequest(body);
    const parts = [...traceRequestParts(body, { spans: 3, bytes: Infinity })].flat();
    const names = (rs: typeof whole) =>
      rs.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.name)));
    expect(names(parts)).toEqual(names(whole));
  });
});
