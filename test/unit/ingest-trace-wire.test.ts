import { describe, expect, it } from 'vitest';
import { TraceRequest } from '../../ingest/otlp';
import { decodeTraceRequest } from '../../ingest/signals/trace-wire';

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
