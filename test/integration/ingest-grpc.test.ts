import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { SpanKind } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  LogsRequest,
  MetricsRequest,
  RetryInfo,
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
const service = (name: string) => `it-grpc-${run}-${name}`;
const maxRequestBytes = 256 * 1024;
const traceExport = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

async function testConfig(overrides: Partial<Config['ingest']> = {}): Promise<Config> {
  const config = loadConfig({
    AIOPS_OTLP_GRPC_PORT: String(await freePort()),
    AIOPS_OTLP_HTTP_PORT: String(await freePort()),
  });
  return { ...config, ingest: { ...config.ingest, maxRequestBytes, ...overrides } };
}

/** Unix nanoseconds as a number (protobufjs encodes it as fixed64; ~256 ns precision). */
const nowNanos = () => Date.now() * 1e6;

function traceRequest(serviceName: string, count = 1) {
  return TraceRequest.create({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: count }, () => ({
              traceId: randomBytes(16),
              spanId: randomBytes(8),
              name: 'op',
              kind: 2,
              startTimeUnixNano: nowNanos(),
              endTimeUnixNano: nowNanos(),
            })),
          },
        ],
      },
    ],
  });
}

/** A raw unary call with bytes in and out, as any OTLP/gRPC client makes it. */
function call(
  address: string,
  path: string,
  body: Uint8Array,
  options: { gzip?: boolean } = {},
): Promise<{ error: ServiceError | null; response: Buffer | undefined }> {
  const client = new Client(address, credentials.createInsecure(), {
    ...(options.gzip ? { 'grpc.default_compression_algorithm': 2 } : {}),
  });
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      new Metadata(),
      { deadline: Date.now() + 30_000 },
      (error, response) => {
        client.close();
        resolve({ error, response });
      },
    );
  });
}

const encode = (m: { finish(): Uint8Array }) => Buffer.from(m.finish());

describe('OTLP/gRPC receiver', () => {
  let pool: Pool;
  let receivers: RunningReceivers;
  let address: string;

  beforeAll(async () => {
    pool = createPool(inject('databaseUrl'));
    receivers = await startReceivers({ config: await testConfig(), pool });
    address = `127.0.0.1:${receivers.grpcPort}`;
  });
  afterAll(async () => {
    await receivers.stop();
    await pool.end();
  });

  it('stores traces, metrics and logs sent by the OpenTelemetry gRPC exporters', async () => {
    const url = `http://${address}`;
    const tracer = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service('sdk') }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url }))],
    });
    const span = tracer.getTracer('it').startSpan('Charge', {
      kind: SpanKind.SERVER,
      attributes: { 'db.system': 'postgresql', 'rpc.method': 'Charge' },
    });
    span.end();
    await tracer.shutdown();
    const { rows } = await pool.query(
      `SELECT sp.db_system, sp.attributes FROM spans sp JOIN services s ON s.id = sp.service_id
        WHERE s.name = $1`,
      [service('sdk')],
    );
    expect(rows).toEqual([{ db_system: 'postgresql', attributes: { 'rpc.method': 'Charge' } }]);

    const meters = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': service('sdk') }),
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url }),
          exportIntervalMillis: 3_600_000,
        }),
      ],
    });
    meters.getMeter('it').createUpDownCounter('queue.depth').add(12);
    await meters.shutdown(); // exports once (a forceFlush first would export the points twice)
    expect(await countServiceRows(pool, 'metric_points', service('sdk'))).toBe(1);

    const logs = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': service('sdk') }),
      processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url }) })],
    });
    logs.getLogger('it').emit({ severityNumber: SeverityNumber.WARN, body: { structured: true } });
    await logs.forceFlush();
    await logs.shutdown();
    const { rows: logRows } = await pool.query(
      `SELECT l.severity_number, l.body, l.body_value FROM logs l
         JOIN services s ON s.id = l.service_id WHERE s.name = $1`,
      [service('sdk')],
    );
    expect(logRows).toEqual([
      { severity_number: 13, body: null, body_value: { structured: true } },
    ]);
  });

  it('accepts gzip-compressed messages for all three services', async () => {
    const name = service('gzip');
    const metrics = MetricsRequest.create({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: name } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'requests',
                  sum: {
                    aggregationTemporality: 1,
                    isMonotonic: true,
                    dataPoints: [{ timeUnixNano: nowNanos(), asInt: 9 }],
                  },
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
          resource: { attributes: [{ key: 'service.name', value: { stringValue: name } }] },
          scopeLogs: [{ logRecords: [{ observedTimeUnixNano: nowNanos(), severityNumber: 9 }] }],
        },
      ],
    });
    for (const [path, body] of [
      [traceExport, encode(TraceRequest.encode(traceRequest(name, 2)))],
      [
        '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
        encode(MetricsRequest.encode(metrics)),
      ],
      [
        '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
        encode(LogsRequest.encode(logs)),
      ],
    ] as const) {
      const { error, response } = await call(address, path, body, { gzip: true });
      expect(error).toBeNull();
      expect(response?.length).toBe(0); // an empty ExportXServiceResponse: all accepted
    }
    expect(await countServiceRows(pool, 'spans', name)).toBe(2);
    expect(await countServiceRows(pool, 'metric_points', name)).toBe(1);
    expect(await countServiceRows(pool, 'logs', name)).toBe(1);
  });

  it('returns partial success for rejected spans', async () => {
    const request = traceRequest(service('partial'), 2);
    request.resourceSpans[0]!.scopeSpans![0]!.spans![0]!.spanId = Buffer.alloc(3);
    const { error, response } = await call(
      address,
      traceExport,
      encode(TraceRequest.encode(request)),
    );
    expect(error).toBeNull();
    const partial = TraceResponse.decode(response!).partialSuccess;
    expect(Number(partial?.rejectedSpans)).toBe(1);
    expect(partial?.errorMessage).toMatch(/invalid trace or span id/);
  });

  it('answers malformed messages with INVALID_ARGUMENT', async () => {
    const { error } = await call(address, traceExport, Buffer.from([0x0a, 0x05, 0x01]));
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/malformed protobuf traces request/);
  });

  it('answers oversize messages with RESOURCE_EXHAUSTED', async () => {
    const big = encode(TraceRequest.encode(traceRequest(service('big'), 1)));
    const padded = Buffer.concat([
      big,
      Buffer.from([0x12]),
      Buffer.from([0x80, 0x80, 0x10]),
      Buffer.alloc(262144),
    ]);
    const { error } = await call(address, traceExport, padded);
    expect(error?.code).toBe(status.RESOURCE_EXHAUSTED);
  });

  it('accepts empty requests', async () => {
    const { error, response } = await call(address, traceExport, Buffer.alloc(0));
    expect(error).toBeNull();
    expect(response?.length).toBe(0);
  });
});

describe('OTLP/gRPC receiver under overload', () => {
  it('answers UNAVAILABLE with a RetryInfo when its queue is full', async () => {
    const sockets = new Set<Socket>();
    const hole = createServer((s) => sockets.add(s.on('error', () => undefined)));
    const dbPort = await freePort();
    await new Promise<void>((r) => hole.listen(dbPort, '127.0.0.1', r));
    const pool = createPool(`postgres://u:p@127.0.0.1:${dbPort}/db`);
    const receivers = await startReceivers({
      config: await testConfig({ queueBytes: 1024 }),
      pool,
      onError: () => undefined,
    });
    const address = `127.0.0.1:${receivers.grpcPort}`;
    try {
      const body = encode(TraceRequest.encode(traceRequest(service('overload'), 50)));
      const first = call(address, traceExport, body);
      await new Promise((r) => setTimeout(r, 300));
      const { error } = await call(address, traceExport, body);
      expect(error?.code).toBe(status.UNAVAILABLE);
      const details = error?.metadata.get('grpc-status-details-bin')[0] as Buffer;
      const detail = RpcStatus.decode(details).details?.[0];
      expect(detail?.type_url).toBe('type.googleapis.com/google.rpc.RetryInfo');
      expect(Number(RetryInfo.decode(detail!.value!).retryDelay?.seconds)).toBe(1);
      for (const s of sockets) s.destroy();
      expect((await first).error?.code).toBe(status.UNAVAILABLE);
    } finally {
      await receivers.stop();
      await pool.end().catch(() => undefined);
      hole.close();
    }
  });
});
