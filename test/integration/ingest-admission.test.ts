import { randomBytes, randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { floodReceiver } from '../../bench/chaos/flood';
import { Admission } from '../../ingest/admission';
import { TraceRequest, TraceResponse } from '../../ingest/otlp';
import { startReceivers, type RunningReceivers } from '../../ingest/receivers';
import { createPool, type Pool } from '../../store/db';
import { loadConfig, type Config } from '../../worker/config';
import { freePort } from '../../worker/stack/ports';

const run = randomUUID().slice(0, 8);
const mib = 2 ** 20;
const traceExport = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

async function testConfig(ingest: Partial<Config['ingest']>): Promise<Config> {
  const config = loadConfig({
    AIOPS_OTLP_GRPC_PORT: String(await freePort()),
    AIOPS_OTLP_HTTP_PORT: String(await freePort()),
  });
  return { ...config, ingest: { ...config.ingest, ...ingest } };
}

/**
 * A pool on the test database and receivers with these limits (and clock), for one describe
 * block: started before its tests, stopped after them.
 */
function receiversForBlock(ingest: Partial<Config['ingest']>, now?: () => number) {
  const env = {
    postTraces: (body: Buffer) =>
      fetch(`http://127.0.0.1:${env.receivers.httpPort}/v1/traces`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/x-protobuf' },
      }),
  } as { pool: Pool; receivers: RunningReceivers; postTraces(body: Buffer): Promise<Response> };
  beforeAll(async () => {
    env.pool = createPool(inject('databaseUrl'));
    env.receivers = await startReceivers({ config: await testConfig(ingest), pool: env.pool, now });
  });
  afterAll(async () => {
    await env.receivers.stop();
    await env.pool.end();
  });
  return env;
}

/** Spans stored for the service `name`. */
async function spansOf(pool: Pool, name: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM spans sp JOIN services s ON s.id = sp.service_id WHERE s.name = $1',
    [name],
  );
  return Number(rows[0]?.n);
}

/** An OTLP trace request of `spans` from one service. */
function traceRequest(serviceName: string, spans: object[]): Buffer {
  return Buffer.from(
    TraceRequest.encode({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
          scopeSpans: [{ spans }],
        },
      ],
    }).finish(),
  );
}

/** A span starting now and lasting `durationNs`. */
function span(durationNs = 1_000_000, extra: object = {}) {
  const start = Date.now() * 1e6;
  return {
    traceId: randomBytes(16),
    spanId: randomBytes(8),
    name: 'op',
    kind: 2,
    startTimeUnixNano: start,
    endTimeUnixNano: start + durationNs,
    ...extra,
  };
}

/** `count` spans of one service, each lasting `durationNs`. */
const traces = (serviceName: string, count: number, durationNs?: number) =>
  traceRequest(
    serviceName,
    Array.from({ length: count }, () => span(durationNs)),
  );

/** One span of `serviceName` with these attributes (string values). */
const spanWithAttributes = (serviceName: string, attributes: Record<string, string>) =>
  traceRequest(serviceName, [
    span(undefined, {
      attributes: Object.entries(attributes).map(([key, v]) => ({
        key,
        value: { stringValue: v },
      })),
    }),
  ]);

/** Sends the head of a POST (and `sent` body bytes) on a raw socket; resolves with the socket. */
function postHead(port: number, contentLength: number, sent = 0): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n` +
          `Content-Length: ${contentLength}\r\n\r\n`,
      );
      if (sent) socket.write(Buffer.alloc(sent));
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

/** The status line the server answers on `socket`, or `null` when none comes within `ms`. */
function statusLine(socket: Socket, ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(chunk.toString('latin1').split('\r\n')[0] ?? '');
    });
  });
}

function grpcExport(address: string, body: Buffer): Promise<ServiceError | null> {
  const client = new Client(address, credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      traceExport,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      new Metadata(),
      { deadline: Date.now() + 10_000 },
      (error) => {
        client.close();
        resolve(error);
      },
    );
  });
}

describe('admission before reading', () => {
  const env = receiversForBlock({ maxRequestBytes: 16 * mib, queueBytes: mib });

  it('refuses by in-flight bytes before reading the body (HTTP 503, gRPC UNAVAILABLE), and frees them when a client goes', async () => {
    // A slow client declares a body as large as all the receiver may hold and sends a little.
    const slow = await postHead(env.receivers.httpPort, mib, 1024);
    await new Promise((r) => setTimeout(r, 300));
    const next = await postHead(env.receivers.httpPort, 4096);
    expect(await statusLine(next, 5_000)).toMatch(/^HTTP\/1.1 503/);
    next.destroy();
    const refused = await grpcExport(
      `127.0.0.1:${env.receivers.grpcPort}`,
      traces(`adm-${run}`, 1),
    );
    expect(refused?.code).toBe(status.UNAVAILABLE);

    slow.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const res = await env.postTraces(traces(`adm-${run}`, 5));
    expect(res.status).toBe(200);
  });

  it('refuses a declared oversize body with 413 without reading it', async () => {
    const socket = await postHead(env.receivers.httpPort, 17 * mib);
    expect(await statusLine(socket, 5_000)).toMatch(/^HTTP\/1.1 413/);
    socket.destroy();
  });

  it('refuses spans that end before they start as invalid items (partial success)', async () => {
    const name = `adm-negative-${run}`;
    const res = await env.postTraces(traces(name, 2, -5_000_000));
    expect(res.status).toBe(200);
    const partial = TraceResponse.decode(Buffer.from(await res.arrayBuffer())).partialSuccess;
    expect(Number(partial?.rejectedSpans)).toBe(2);
    expect(partial?.errorMessage).toBe('2 spans rejected: end time before start time');
    expect(await spansOf(env.pool, name)).toBe(0);
  });
});

describe('a large request converted in parts', () => {
  const env = receiversForBlock({});

  it('stores every span of a request larger than one part, once', async () => {
    const name = `adm-parts-${run}`;
    const res = await env.postTraces(traces(name, 5000));
    expect(res.status).toBe(200);
    expect(TraceResponse.decode(Buffer.from(await res.arrayBuffer())).partialSuccess).toBeFalsy();
    expect(await spansOf(env.pool, name)).toBe(5000);
  });

  it('refuses the whole request when a later part is malformed, storing none of its spans', async () => {
    const name = `adm-parts-bad-${run}`;
    // 3,000 good spans (more than one part), then a resourceSpans cut short.
    const res = await env.postTraces(
      Buffer.concat([traces(name, 3000), Buffer.from([0x0a, 0x05, 0x12])]),
    );
    expect(res.status).toBe(400);
    expect(await spansOf(env.pool, name)).toBe(0);
  });
});

describe('caps on what one item carries', () => {
  const env = receiversForBlock({});

  it.each([
    [
      'too many attributes',
      Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v'])),
      '1 spans rejected: more than 128 attributes',
    ],
    [
      'a huge attribute value',
      { big: 'x'.repeat(9000) },
      '1 spans rejected: an attribute value over 8192 bytes',
    ],
  ])('refuses a span with %s (partial success with the reason)', async (_, attributes, reason) => {
    const res = await env.postTraces(spanWithAttributes(`adm-caps-${run}`, attributes));
    expect(res.status).toBe(200);
    const partial = TraceResponse.decode(Buffer.from(await res.arrayBuffer())).partialSuccess;
    expect(Number(partial?.rejectedSpans)).toBe(1);
    expect(partial?.errorMessage).toBe(reason);
  });

  it('stores a span within the caps', async () => {
    const attributes = Object.fromEntries(Array.from({ length: 128 }, (_, i) => [`k${i}`, 'v']));
    const res = await env.postTraces(
      spanWithAttributes(`adm-caps-${run}`, { ...attributes, k0: 'x'.repeat(8000) }),
    );
    expect(TraceResponse.decode(Buffer.from(await res.arrayBuffer())).partialSuccess).toBeFalsy();
  });
});

describe('the cap on new services and operations per minute', () => {
  // A frozen clock: the buckets do not refill while the test runs.
  const frozen = Date.now();
  const env = receiversForBlock(
    { newNames: { servicesPerMinute: 5, operationsPerMinute: 40 } },
    () => frozen,
  );
  const prefix = `adm-card-${run}`;

  const post = async (body: Buffer) => {
    const res = await env.postTraces(body);
    expect(res.status).toBe(200);
    return TraceResponse.decode(Buffer.from(await res.arrayBuffer())).partialSuccess;
  };
  const count = async (sql: string) =>
    Number((await env.pool.query<{ n: string }>(sql, [`${prefix}-%`])).rows[0]?.n);

  it('stores the first new services up to the cap, and refuses the rest with nothing kept of them', async () => {
    // One request naming 2,000 services: before the cap, 2,000 permanent dictionary rows.
    const body = Buffer.from(
      TraceRequest.encode({
        resourceSpans: Array.from({ length: 2000 }, (_, i) => ({
          resource: {
            attributes: [{ key: 'service.name', value: { stringValue: `${prefix}-${i}` } }],
          },
          scopeSpans: [{ spans: [span()] }],
        })),
      }).finish(),
    );
    const partial = await post(body);
    expect(Number(partial?.rejectedSpans)).toBe(1995);
    expect(partial?.errorMessage).toBe(
      '1995 spans rejected: new service over the limit of 5 new services per minute',
    );
    expect(await count('SELECT count(*) AS n FROM services WHERE name LIKE $1')).toBe(5);
    expect(
      await count(
        'SELECT count(*) AS n FROM operations o JOIN services s ON s.id = o.service_id WHERE s.name LIKE $1',
      ),
    ).toBe(5);
    expect(
      await count(
        'SELECT count(*) AS n FROM spans sp JOIN services s ON s.id = sp.service_id WHERE s.name LIKE $1',
      ),
    ).toBe(5);
    // Known services cost nothing: their spans are taken as ever.
    expect(await post(traces(`${prefix}-0`, 3))).toBeFalsy();
  });

  it('refuses new operations past their cap (5 of 40 were taken by the new services)', async () => {
    const partial = await post(
      traceRequest(
        `${prefix}-1`,
        Array.from({ length: 50 }, (_, i) => span(undefined, { name: `op-${i}` })),
      ),
    );
    expect(Number(partial?.rejectedSpans)).toBe(15);
    expect(partial?.errorMessage).toBe(
      '15 spans rejected: new operation over the limit of 40 new operations per minute',
    );
    expect(
      await count(
        'SELECT count(*) AS n FROM operations o JOIN services s ON s.id = o.service_id WHERE s.name LIKE $1',
      ),
    ).toBe(40);
  });
});

describe('Admission', () => {
  it('decodes at most the given number of requests at once', async () => {
    const admission = new Admission({
      maxRequestBytes: 1,
      maxInFlightBytes: 1,
      maxConcurrentDecodes: 2,
    });
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        admission.decode(async () => {
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 20));
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });
});

describe('the receiver process under an oversize flood', () => {
  // Issue #15: 120 clients sending 15 MiB each took the process to 1.7 GB; with admission
  // before reading, still ~1 GB (each admitted request decoded whole, its rows 3x its
  // bytes). The figure for 120 clients is in docs/benchmarks.md (npm run bench:chaos -- --flood).
  it('stays under 500 MiB of RSS while 40 clients send 15 MiB each at once', async () => {
    const { peakRssMiB, answers } = await floodReceiver(inject('databaseUrl'), 40, 15 * mib);
    console.log(
      `oversize flood: peak RSS ${peakRssMiB.toFixed(0)} MiB; answers ${JSON.stringify(answers)}`,
    );
    expect((answers['503'] ?? 0) + (answers.reset ?? 0)).toBeGreaterThan(0);
    expect(answers['200'] ?? 0).toBeGreaterThan(0);
    expect(peakRssMiB).toBeLessThan(500);
  }, 300_000);
});
