import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LogsRequest, MetricsRequest, TraceRequest } from '../../ingest/otlp';
import { startReceivers, type RunningReceivers } from '../../ingest/receivers';
import { createPool, type Pool } from '../../store/db';
import { queryLogs } from '../../store/queries/logs';
import { edgeRed, operationRed, serviceRed } from '../../store/queries/red';
import { serviceGraph } from '../../store/queries/service-graph';
import { serviceHealthSince } from '../../store/service-health';
import { erroringTraces, slowestTraces, traceById } from '../../store/queries/traces';
import { loadConfig } from '../../worker/config';
import { freePort } from '../../worker/stack/ports';

const run = randomUUID().slice(0, 8);
const fe = `it-q-${run}-frontend`;
const cart = `it-q-${run}-cart`;
const pay = `it-q-${run}-payment`;
const redis = `it-q-${run}-redis`;
const traceCount = 10;
const failingTrace = 7;
const paidTrace = 3;

// All spans start inside one 10-second rollup bucket, a minute ago. Every time is a multiple
// of 4 ms, so its Unix nanoseconds (t/4 · 2^8 · 15625) are exact as a JS number.
const bucketStartMs = Math.floor(Date.now() / 10_000) * 10_000 - 60_000;
const ms = (t: number) => t * 1e6;
const at = (offsetMs: number) => ms(bucketStartMs + offsetMs);
const kv = (key: string, value: string | number) => ({
  key,
  value: typeof value === 'string' ? { stringValue: value } : { intValue: value },
});

interface SpanSpec {
  service: string;
  traceId: Buffer;
  spanId: Buffer;
  parentSpanId?: Buffer;
  name: string;
  kind: number;
  startMs: number;
  durationMs: number;
  attributes?: ReturnType<typeof kv>[];
  error?: string;
}

function traceRequest(spans: SpanSpec[]) {
  const services = [...new Set(spans.map((s) => s.service))];
  return TraceRequest.encode({
    resourceSpans: services.map((service) => ({
      resource: { attributes: [kv('service.name', service), kv('k8s.pod.name', `${service}-0`)] },
      scopeSpans: [
        {
          scope: { name: 'it' },
          spans: spans
            .filter((s) => s.service === service)
            .map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId,
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: at(s.startMs),
              endTimeUnixNano: at(s.startMs + s.durationMs),
              attributes: s.attributes ?? [],
              status: s.error ? { code: 2, message: s.error } : undefined,
            })),
        },
      ],
    })),
  }).finish();
}

/** Ten checkout traces: frontend → cart → redis, one also frontend → payment; trace 7 fails. */
function scenario() {
  const traces = Array.from({ length: traceCount }, (_, i) => {
    const traceId = randomBytes(16);
    const id = () => randomBytes(8);
    const start = i * 100;
    const cartMs = 12 * (i + 1);
    const root: SpanSpec = {
      service: fe,
      traceId,
      spanId: id(),
      name: 'GET /checkout',
      kind: 2,
      startMs: start,
      durationMs: cartMs + 20,
      attributes: [kv('http.response.status_code', i === failingTrace ? 500 : 200)],
    };
    const feClient: SpanSpec = {
      service: fe,
      traceId,
      spanId: id(),
      parentSpanId: root.spanId,
      name: 'cart.Get',
      kind: 3,
      startMs: start + 4,
      durationMs: cartMs + 8,
      attributes: [kv('peer.service', cart)],
    };
    const cartServer: SpanSpec = {
      service: cart,
      traceId,
      spanId: id(),
      parentSpanId: feClient.spanId,
      name: 'Get',
      kind: 2,
      startMs: start + 8,
      durationMs: cartMs,
      error: i === failingTrace ? 'cart exploded' : undefined,
    };
    const cartDb: SpanSpec = {
      service: cart,
      traceId,
      spanId: id(),
      parentSpanId: cartServer.spanId,
      name: 'HGET',
      kind: 3,
      startMs: start + 12,
      durationMs: 4,
      attributes: [kv('db.system', 'redis'), kv('peer.service', redis), kv('db.namespace', '0')],
    };
    const payment: SpanSpec[] = [];
    if (i === paidTrace) {
      const payClient: SpanSpec = {
        ...feClient,
        spanId: id(),
        name: 'pay.Charge',
        attributes: [kv('peer.service', pay)],
      };
      payment.push(payClient, {
        service: pay,
        traceId,
        spanId: id(),
        parentSpanId: payClient.spanId,
        name: 'Charge',
        kind: 2,
        startMs: start + 8,
        durationMs: 8,
      });
    }
    return { traceId, frontend: [root, feClient], cart: [cartServer, cartDb], payment };
  });
  return traces;
}

async function post(url: string, body: Uint8Array) {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/x-protobuf' },
  });
  expect(res.status).toBe(200);
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('queries over data ingested through the receivers', () => {
  let pool: Pool;
  let receivers: RunningReceivers;
  const traces = scenario();
  const window = { from: new Date(bucketStartMs - 60_000), to: new Date(bucketStartMs + 60_000) };

  beforeAll(async () => {
    pool = createPool(inject('databaseUrl'));
    const config = loadConfig({
      AIOPS_OTLP_GRPC_PORT: String(await freePort()),
      AIOPS_OTLP_HTTP_PORT: String(await freePort()),
    });
    // The edge wait outlasts the gap between the posts below on a loaded machine: at 300 ms the
    // children sometimes settled as orphans before their parents arrived.
    receivers = await startReceivers({ config, pool, tuning: { edgeWaitMs: 3000 } });
    const base = `http://127.0.0.1:${receivers.httpPort}`;
    // Children first, their parents in later requests: edges must still be derived.
    await post(`${base}/v1/traces`, traceRequest(traces.flatMap((t) => t.cart)));
    await post(`${base}/v1/traces`, traceRequest(traces.flatMap((t) => t.frontend)));
    await post(`${base}/v1/traces`, traceRequest(traces.flatMap((t) => t.payment)));
    const failing = traces[failingTrace]!;
    await post(
      `${base}/v1/logs`,
      LogsRequest.encode({
        resourceLogs: [
          {
            resource: { attributes: [kv('service.name', cart)] },
            scopeLogs: [
              {
                logRecords: [
                  {
                    timeUnixNano: at(700),
                    severityNumber: 17,
                    severityText: 'ERROR',
                    body: { stringValue: 'cart exploded' },
                    traceId: failing.traceId,
                    spanId: failing.cart[0]!.spanId,
                  },
                  ...[1, 2, 3].map((n) => ({
                    timeUnixNano: at(n * 100),
                    severityNumber: 9,
                    body: { stringValue: `served ${n}` },
                  })),
                ],
              },
            ],
          },
        ],
      }).finish(),
    );
    await post(
      `${base}/v1/metrics`,
      MetricsRequest.encode({
        resourceMetrics: [
          {
            resource: { attributes: [kv('service.name', cart)] },
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'process.cpu.utilization',
                    unit: '1',
                    gauge: {
                      dataPoints: [
                        { timeUnixNano: at(100), asDouble: 0.2 },
                        { timeUnixNano: at(200), asDouble: 0.4 },
                      ],
                    },
                  },
                  {
                    name: 'rpc.server.duration',
                    unit: 'ms',
                    histogram: {
                      aggregationTemporality: 1,
                      dataPoints: [
                        {
                          timeUnixNano: at(300),
                          count: 5,
                          sum: 100,
                          bucketCounts: [1, 4],
                          explicitBounds: [10],
                        },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      }).finish(),
    );
    // CLIENT spans nobody claimed (the redis calls) settle after the edge wait.
    await until(async () =>
      (await serviceGraph(pool, window)).edges.some((e) => e.callee === redis),
    );
  });

  afterAll(async () => {
    await receivers.stop();
    await pool.end();
  });

  it('finds a trace by id with its spans, promoted attributes and resource', async () => {
    const failing = traces[failingTrace]!;
    const spans = await traceById(pool, failing.traceId.toString('hex'), window);
    expect(spans.map((s) => `${s.service}:${s.operation}`)).toEqual([
      `${fe}:GET /checkout`,
      `${fe}:cart.Get`,
      `${cart}:Get`,
      `${cart}:HGET`,
    ]);
    const [root, , server, db] = spans;
    expect(root!.parentSpanId).toBeNull();
    expect(root!.attributes).toEqual({ 'http.response.status_code': 500 });
    expect(server!.parentSpanId).toBe(failing.frontend[1]!.spanId.toString('hex'));
    expect(server).toMatchObject({ statusCode: 2, statusMessage: 'cart exploded', kind: 2 });
    expect(server!.durationNs).toBe(ms(12 * (failingTrace + 1)));
    expect(db!.attributes).toEqual({
      'db.system': 'redis',
      'peer.service': redis,
      'db.namespace': '0',
    });
    expect(db!.resource).toMatchObject({ 'service.name': cart, 'k8s.pod.name': `${cart}-0` });
    expect(await traceById(pool, failing.traceId.toString('hex'))).toHaveLength(4);
  });

  it('ranks the slowest and the erroring traces of a service', async () => {
    const slowest = await slowestTraces(pool, { service: cart, ...window, limit: 3 });
    expect(slowest.map((t) => t.traceId)).toEqual(
      [9, 8, 7].map((i) => traces[i]!.traceId.toString('hex')),
    );
    expect(slowest[0]).toMatchObject({ operation: 'Get', spans: 2, durationNs: ms(120) });
    const erroring = await erroringTraces(pool, { service: cart, ...window });
    expect(erroring).toEqual([
      expect.objectContaining({
        traceId: traces[failingTrace]!.traceId.toString('hex'),
        errors: 1,
        errorMessage: 'cart exploded',
      }),
    ]);
  });

  it('serves RED series of services, operations and edges from the rollups', async () => {
    const [cartRed] = await serviceRed(pool, cart, window);
    expect(cartRed).toMatchObject({ bucket: new Date(bucketStartMs), calls: 10, errors: 1 });
    expect(cartRed!.errorRate).toBeCloseTo(0.1);
    expect(cartRed!.meanMs).toBeCloseTo(66, 6);
    // Durations 12, 24 … 120 ms; 4 buckets per doubling put a quantile within ~±10%.
    expect(cartRed!.p50Ms).toBeGreaterThan(60 * 0.9);
    expect(cartRed!.p50Ms).toBeLessThan(60 * 1.1);
    expect(cartRed!.p99Ms).toBeGreaterThan(120 * 0.9);
    expect(cartRed!.p99Ms).toBeLessThan(120 * 1.1);
    expect((await serviceRed(pool, fe, window))[0]).toMatchObject({ calls: 10, errors: 0 });

    const [hget] = await operationRed(pool, { service: cart, operation: 'HGET', kind: 3 }, window);
    expect(hget).toMatchObject({ calls: 10, errors: 0 });

    const [edge] = await edgeRed(
      pool,
      { caller: fe, callee: cart },
      { ...window, stepSeconds: 60 },
    );
    expect(edge).toMatchObject({ calls: 10, errors: 1 });
  });

  it("judges a service's health by its own spans, a datastore's by its callers' spans", async () => {
    const cartHealth = await serviceHealthSince(pool, cart, window.from);
    expect(cartHealth).toMatchObject({ service: cart, requests: 10 });
    expect(cartHealth.errorRate).toBeCloseTo(0.1);
    // redis sends no spans: the ten HGET client spans from cart are what it served.
    const redisHealth = await serviceHealthSince(pool, redis, window.from);
    expect(redisHealth).toMatchObject({ service: redis, requests: 10, errorRate: 0 });
    expect(redisHealth.p95LatencyMs).toBeGreaterThan(4 * 0.9);
    expect(redisHealth.p95LatencyMs).toBeLessThan(4 * 1.1);
    // Only traffic after the moment counts.
    expect(await serviceHealthSince(pool, redis, window.to)).toMatchObject({ requests: 0 });
    // With an end, only traffic before it (a service's health before its incident).
    expect(await serviceHealthSince(pool, cart, window.from, window.to)).toMatchObject({
      requests: 10,
    });
    expect(await serviceHealthSince(pool, cart, window.from, window.from)).toMatchObject({
      requests: 0,
    });
  });

  it('derives the service dependency graph, each call counted once', async () => {
    const graph = await serviceGraph(pool, window);
    const ours = graph.edges
      .filter((e) => e.caller.startsWith(`it-q-${run}`))
      .map((e) => ({ caller: e.caller, callee: e.callee, calls: e.calls, errors: e.errors }));
    expect(ours).toEqual([
      { caller: cart, callee: redis, calls: 10, errors: 0 },
      { caller: fe, callee: cart, calls: 10, errors: 1 },
      { caller: fe, callee: pay, calls: 1, errors: 0 },
    ]);
    expect(graph.services).toEqual(expect.arrayContaining([fe, cart, pay, redis]));
  });

  it('finds logs by window, service, trace id and severity', async () => {
    const all = await queryLogs(pool, { ...window, service: cart });
    expect(all.map((l) => l.body)).toEqual(['cart exploded', 'served 3', 'served 2', 'served 1']);
    const failing = traces[failingTrace]!;
    const byTrace = await queryLogs(pool, { ...window, traceId: failing.traceId.toString('hex') });
    expect(byTrace).toEqual([
      expect.objectContaining({
        service: cart,
        severityNumber: 17,
        severityText: 'ERROR',
        spanId: failing.cart[0]!.spanId.toString('hex'),
      }),
    ]);
    expect(await queryLogs(pool, { ...window, service: cart, minSeverity: 17 })).toHaveLength(1);
    const { rows } = await pool.query(
      `SELECT r.severity, r.records FROM rollup_logs r JOIN services s ON s.id = r.service_id
        WHERE s.name = $1 ORDER BY r.severity`,
      [cart],
    );
    expect(rows).toEqual([
      { severity: 3, records: '3' },
      { severity: 5, records: '1' },
    ]);
  });

  it('aggregates metric points per bucket', async () => {
    const { rows } = await pool.query(
      `SELECT m.name, r.points, r.value_sum, r.value_min, r.value_max, r.observations
         FROM rollup_metrics r JOIN metrics m ON m.id = r.metric_id JOIN services s ON s.id = r.service_id
        WHERE s.name = $1 ORDER BY m.name`,
      [cart],
    );
    expect(rows).toEqual([
      {
        name: 'process.cpu.utilization',
        points: '2',
        value_sum: expect.closeTo(0.6, 9),
        value_min: 0.2,
        value_max: 0.4,
        observations: '0',
      },
      {
        name: 'rpc.server.duration',
        points: '1',
        value_sum: 100,
        value_min: 100,
        value_max: 100,
        observations: '5',
      },
    ]);
  });
});
