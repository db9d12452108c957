import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  LogsRequest,
  LogsResponse,
  MetricsRequest,
  MetricsResponse,
  RpcStatus,
  TraceRequest,
  TraceResponse,
} from '../../ingest/otlp';
import { startReceivers, type RunningReceivers } from '../../ingest/receivers';
import { createPool, type Pool } from '../../store/db';
import { loadConfig, type Config } from '../../worker/config';
import { freePort } from '../../worker/stack/ports';
import { countServiceRows } from '../setup/suite';

const run = randomUUID().slice(0, 8);
const service = (name: string) => `it-http-${run}-${name}`;
const maxRequestBytes = 256 * 1024;

async function testConfig(overrides: Partial<Config['ingest']> = {}): Promise<Config> {
  const config = loadConfig({
    AIOPS_OTLP_GRPC_PORT: String(await freePort()),
    AIOPS_OTLP_HTTP_PORT: String(await freePort()),
  });
  return { ...config, ingest: { ...config.ingest, maxRequestBytes, ...overrides } };
}

/** Unix nanoseconds as a number (protobufjs encodes it as fixed64; ~256 ns precision). */
const nowNanos = () => Date.now() * 1e6;
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** A protobuf request of `count` spans of one service (ids random, times now). */
function traceRequest(serviceName: string, count = 1) {
  const start = nowNanos();
  return TraceRequest.create({
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', serviceName)] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: Array.from({ length: count }, (_, i) => ({
              traceId: randomBytes(16),
              spanId: randomBytes(8),
              name: `op-${i % 3}`,
              kind: 2,
              startTimeUnixNano: start,
              endTimeUnixNano: start + 1_000_000,
              attributes: [str('k', 'v')],
            })),
          },
        ],
      },
    ],
  });
}

const encode = (m: { finish(): Uint8Array }) => Buffer.from(m.finish());

async function post(
  url: string,
  body: Uint8Array | string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const protobuf = { 'Content-Type': 'application/x-protobuf' };
const json = { 'Content-Type': 'application/json' };

describe('OTLP/HTTP receiver', () => {
  let pool: Pool;
  let receivers: RunningReceivers;
  let base: string;

  beforeAll(async () => {
    pool = createPool(inject('databaseUrl'));
    receivers = await startReceivers({ config: await testConfig(), pool });
    base = `http://127.0.0.1:${receivers.httpPort}`;
  });
  afterAll(async () => {
    await receivers.stop();
    await pool.end();
  });

  it('stores traces, metrics and logs sent by the OpenTelemetry HTTP exporters', async () => {
    for (const [name, exporter] of [
      ['json', new OTLPJsonTraceExporter({ url: `${base}/v1/traces` })],
      ['proto', new OTLPProtoTraceExporter({ url: `${base}/v1/traces` })],
    ] as const) {
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': service(`sdk-${name}`) }),
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      });
      const span = provider.getTracer('it').startSpan('GET /cart', {
        kind: SpanKind.SERVER,
        attributes: {
          'http.response.status_code': 503,
          'app.big': 2 ** 40,
          'app.list': ['a', 'b'],
        },
      });
      span.addEvent('retry', { attempt: 2 });
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream down' });
      span.end();
      await provider.shutdown();
      const { rows } = await pool.query(
        `SELECT sp.kind, sp.status_code, sp.status_message, sp.http_status, sp.attributes, sp.events
           FROM spans sp JOIN services s ON s.id = sp.service_id WHERE s.name = $1`,
        [service(`sdk-${name}`)],
      );
      expect(rows).toEqual([
        {
          kind: 2,
          status_code: 2,
          status_message: 'upstream down',
          http_status: 503,
          attributes: { 'app.big': 2 ** 40, 'app.list': ['a', 'b'] },
          events: [expect.objectContaining({ name: 'retry', attributes: { attempt: 2 } })],
        },
      ]);
    }

    const meters = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': service('sdk-metrics') }),
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
          exportIntervalMillis: 3_600_000,
        }),
      ],
    });
    const meter = meters.getMeter('it');
    meter.createCounter('orders').add(3, { region: 'eu' });
    meter.createHistogram('latency', { unit: 'ms' }).record(42);
    await meters.shutdown(); // exports once (a forceFlush first would export the points twice)
    expect(await countServiceRows(pool, 'metric_points', service('sdk-metrics'))).toBe(2);

    const logs = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': service('sdk-logs') }),
      processors: [
        new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${base}/v1/logs` }) }),
      ],
    });
    logs.getLogger('it').emit({
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      body: 'payment failed',
      attributes: { order: 7 },
    });
    await logs.forceFlush();
    await logs.shutdown();
    const { rows: logRows } = await pool.query(
      `SELECT l.severity_number, l.body, l.attributes FROM logs l JOIN services s ON s.id = l.service_id
        WHERE s.name = $1`,
      [service('sdk-logs')],
    );
    expect(logRows).toEqual([
      { severity_number: 17, body: 'payment failed', attributes: { order: 7 } },
    ]);
  });

  it('accepts gzip-compressed protobuf for all three signals and answers in protobuf', async () => {
    const name = service('gzip');
    const metrics = MetricsRequest.create({
      resourceMetrics: [
        {
          resource: { attributes: [str('service.name', name)] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'cpu',
                  gauge: { dataPoints: [{ timeUnixNano: nowNanos(), asDouble: 0.5 }] },
                },
              ],
            },
          ],
        },
      ],
    });
    const logs = LogsRequest.create({
      resourceLogs: [
        {
          resource: { attributes: [str('service.name', name)] },
          scopeLogs: [{ logRecords: [{ timeUnixNano: nowNanos(), body: { stringValue: 'hi' } }] }],
        },
      ],
    });
    const cases = [
      ['/v1/traces', encode(TraceRequest.encode(traceRequest(name, 3))), TraceResponse],
      ['/v1/metrics', encode(MetricsRequest.encode(metrics)), MetricsResponse],
      ['/v1/logs', encode(LogsRequest.encode(logs)), LogsResponse],
    ] as const;
    for (const [path, body, response] of cases) {
      const res = await post(`${base}${path}`, gzipSync(body), {
        ...protobuf,
        'Content-Encoding': 'gzip',
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-protobuf');
      expect(response.decode(res.body).partialSuccess).toBeFalsy();
    }
    expect(await countServiceRows(pool, 'spans', name)).toBe(3);
    expect(await countServiceRows(pool, 'metric_points', name)).toBe(1);
    expect(await countServiceRows(pool, 'logs', name)).toBe(1);
  });

  it('reads OTLP/JSON: hex ids, integer enums, int64 as strings or numbers, unknown fields', async () => {
    const name = service('json');
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const start = BigInt(Date.now()) * 1_000_000n + 123_456n;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: name } }] },
          futureField: { ignored: true },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId,
                  parentSpanId: '',
                  name: 'checkout',
                  kind: 3,
                  startTimeUnixNano: start.toString(),
                  endTimeUnixNano: Number(start / 1000n) * 1000 + 2_000_000,
                  attributes: [
                    { key: 'exact', value: { intValue: '9007199254740993' } },
                    { key: 'n', value: { intValue: 5 } },
                    { key: 'peer.service', value: { stringValue: 'ledger' } },
                  ],
                  status: { code: 2, message: 'x' },
                  unknownSpanField: 1,
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await post(`${base}/v1/traces`, JSON.stringify(body), json);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(res.body.toString())).toEqual({});
    const { rows } = await pool.query(
      `SELECT encode(trace_id, 'hex') AS trace_id, encode(span_id, 'hex') AS span_id, parent_span_id,
              kind, status_code, peer_service, attributes::text AS attributes,
              (extract(epoch FROM start_time) * 1e6)::bigint::text AS start_us
         FROM spans sp JOIN services s ON s.id = sp.service_id WHERE s.name = $1`,
      [name],
    );
    expect(rows).toEqual([
      {
        trace_id: traceId,
        span_id: spanId,
        parent_span_id: null,
        kind: 3,
        status_code: 2,
        peer_service: 'ledger',
        attributes: '{"n": 5, "exact": 9007199254740993}',
        start_us: (start / 1000n).toString(),
      },
    ]);
  });

  it('reports partial success for the spans it rejects and stores the others', async () => {
    const name = service('partial');
    const request = traceRequest(name, 3);
    const spans = request.resourceSpans[0]!.scopeSpans![0]!.spans!;
    spans[0]!.traceId = Buffer.alloc(16); // all-zero id: invalid
    spans[1]!.startTimeUnixNano = 1_000_000_000; // 1970: past retention
    const res = await post(`${base}/v1/traces`, encode(TraceRequest.encode(request)), protobuf);
    expect(res.status).toBe(200);
    const partial = TraceResponse.decode(res.body).partialSuccess;
    expect(Number(partial?.rejectedSpans)).toBe(2);
    expect(partial?.errorMessage).toMatch(/invalid trace or span id/);
    expect(partial?.errorMessage).toMatch(/retention window/);
    expect(await countServiceRows(pool, 'spans', name)).toBe(1);
  });

  it('stores text PostgreSQL refuses (NUL, lone surrogates) with U+FFFD in their place', async () => {
    const name = service('text');
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: name } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: randomBytes(16).toString('hex'),
                  spanId: randomBytes(8).toString('hex'),
                  name: 'nul\u0000name',
                  kind: 99999, // not a smallint: rejected, the rest stored
                  startTimeUnixNano: String(Date.now() * 1e6),
                },
                {
                  traceId: randomBytes(16).toString('hex'),
                  spanId: randomBytes(8).toString('hex'),
                  name: 'nul\u0000name',
                  startTimeUnixNano: String(Date.now() * 1e6),
                  endTimeUnixNano: String(Date.now() * 1e6 + 1e6),
                  attributes: [{ key: 'k\u0000', value: { stringValue: 'lone \ud800 surrogate' } }],
                },
              ],
            },
          ],
        },
      ],
    });
    const res = await post(`${base}/v1/traces`, body, json);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toMatchObject({
      partialSuccess: { rejectedSpans: 1, errorMessage: expect.stringMatching(/kind/) },
    });
    const { rows } = await pool.query(
      `SELECT o.name, sp.attributes FROM spans sp JOIN operations o ON o.id = sp.operation_id
         JOIN services s ON s.id = sp.service_id WHERE s.name = $1`,
      [name],
    );
    expect(rows).toEqual([
      { name: 'nul\uFFFDname', attributes: { 'k\uFFFD': 'lone \uFFFD surrogate' } },
    ]);
  });

  it('answers malformed bodies with 400 and a google.rpc.Status in the request format', async () => {
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    const bad = await post(`${base}/v1/traces`, garbage, protobuf);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/x-protobuf');
    const status = RpcStatus.decode(bad.body);
    expect(status.code).toBe(3); // INVALID_ARGUMENT
    expect(status.message).toMatch(/malformed protobuf traces request/);

    for (const body of [
      'not json',
      '{"resourceSpans": 5}',
      '[1]',
      '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"zz"}]}]}]}',
    ]) {
      const path = body.includes('resourceLogs') ? '/v1/logs' : '/v1/traces';
      const res = await post(`${base}${path}`, body, json);
      expect(res.status, body).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(JSON.parse(res.body.toString())).toMatchObject({
        code: 3,
        message: expect.any(String),
      });
    }
    const badGzip = await post(`${base}/v1/logs`, Buffer.from('not gzip'), {
      ...protobuf,
      'Content-Encoding': 'gzip',
    });
    expect(badGzip.status).toBe(400);
  });

  it('refuses requests over the size limit with 413, compressed or not', async () => {
    const big = Buffer.alloc(maxRequestBytes + 1);
    const plain = await post(`${base}/v1/traces`, big, protobuf);
    expect(plain.status).toBe(413);
    expect(RpcStatus.decode(plain.body).code).toBe(8); // RESOURCE_EXHAUSTED
    const bomb = await post(`${base}/v1/traces`, gzipSync(Buffer.alloc(maxRequestBytes * 4)), {
      ...protobuf,
      'Content-Encoding': 'gzip',
    });
    expect(bomb.status).toBe(413);
  });

  it('accepts empty requests', async () => {
    for (const path of ['/v1/traces', '/v1/metrics', '/v1/logs']) {
      const pb = await post(`${base}${path}`, Buffer.alloc(0), protobuf);
      expect(pb.status).toBe(200);
      expect(pb.body.length).toBe(0);
      const js = await post(`${base}${path}`, '{}', json);
      expect(js.status).toBe(200);
      expect(JSON.parse(js.body.toString())).toEqual({});
    }
  });

  it('answers unknown paths with 404, other methods with 405 and other media types with 415', async () => {
    expect((await post(`${base}/v1/profiles`, '{}', json)).status).toBe(404);
    expect((await fetch(`${base}/v1/traces`)).status).toBe(405);
    expect((await post(`${base}/v1/traces`, 'x', { 'Content-Type': 'text/plain' })).status).toBe(
      415,
    );
    expect(
      (await post(`${base}/v1/traces`, '{}', { ...json, 'Content-Encoding': 'br' })).status,
    ).toBe(415);
  });
});

/** A "database" that accepts connections and never answers: writes hang, the queue fills. */
async function blackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `postgres://u:p@127.0.0.1:${port}/db`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('OTLP/HTTP receiver under overload', () => {
  it('pushes back with 503 and Retry-After when its queue is full, and never acknowledges unstored data', async () => {
    const db = await blackHole();
    const pool = createPool(db.url);
    const receivers = await startReceivers({
      config: await testConfig({ queueBytes: 1024 }),
      pool,
      onError: () => undefined,
    });
    const url = `http://127.0.0.1:${receivers.httpPort}/v1/traces`;
    try {
      const body = encode(TraceRequest.encode(traceRequest(service('overload'), 50)));
      const first = post(url, body, protobuf); // admitted; its write never completes
      await new Promise((r) => setTimeout(r, 300));
      const second = await post(url, body, protobuf);
      expect(second.status).toBe(503);
      expect(second.headers.get('retry-after')).toBe('1');
      expect(RpcStatus.decode(second.body).code).toBe(14); // UNAVAILABLE
      await db.close(); // the database goes away: the admitted request fails, retryably
      const answered = await first;
      expect(answered.status).toBe(503);
      expect(answered.headers.get('retry-after')).not.toBeNull();
    } finally {
      await receivers.stop();
      await pool.end().catch(() => undefined);
    }
  });
});
