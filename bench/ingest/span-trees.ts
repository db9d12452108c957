import { randomBytes } from 'node:crypto';
import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type HrTime,
} from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** A downstream call of the demo topology: the callee and what it may call in turn. */
interface Call {
  service: string;
  operation: string;
  /** A datastore the callee queries (a CLIENT span with db.system and peer.service). */
  datastore?: { system: string; peer: string; operation: string };
  calls?: Call[];
  errorRate?: number;
  meanMs: number;
}

/** An online-shop topology (after Online Boutique): 10 services, 2 datastores. */
const checkout: Call = {
  service: 'checkout',
  operation: 'PlaceOrder',
  meanMs: 40,
  calls: [
    {
      service: 'cart',
      operation: 'GetCart',
      meanMs: 4,
      datastore: { system: 'redis', peer: 'redis-cart', operation: 'HGETALL' },
    },
    { service: 'currency', operation: 'Convert', meanMs: 2 },
    { service: 'payment', operation: 'Charge', meanMs: 15, errorRate: 0.02 },
    { service: 'shipping', operation: 'ShipOrder', meanMs: 6 },
    { service: 'email', operation: 'SendOrderConfirmation', meanMs: 8 },
  ],
};
const entryPoints: { route: string; calls: Call[] }[] = [
  { route: '/cart/checkout', calls: [checkout] },
  {
    route: '/product/{id}',
    calls: [
      {
        service: 'productcatalog',
        operation: 'GetProduct',
        meanMs: 3,
        datastore: { system: 'postgresql', peer: 'catalog-db', operation: 'SELECT' },
      },
      { service: 'recommendation', operation: 'ListRecommendations', meanMs: 9 },
      { service: 'ad', operation: 'GetAds', meanMs: 2 },
    ],
  },
];

const serviceNames = [
  'frontend',
  'checkout',
  'cart',
  'currency',
  'payment',
  'shipping',
  'email',
  'productcatalog',
  'recommendation',
  'ad',
];

/** Collects the spans the SDK ends (in place of a batch processor). */
class Collector implements SpanProcessor {
  spans: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  forceFlush = () => Promise.resolve();
  shutdown = () => Promise.resolve();
}

function hr(ms: number): HrTime {
  const sec = Math.floor(ms / 1000);
  return [sec, Math.round((ms - sec * 1000) * 1e6)];
}

const jitter = (meanMs: number) => meanMs * (0.5 + Math.random()) * (Math.random() < 0.01 ? 8 : 1);

/**
 * Builds realistic traces with the real OpenTelemetry SDK: one TracerProvider per service
 * (own resource: service, pod, deployment, host), parent/child spans across services linked
 * through the context API, CLIENT spans with peer.service, datastore spans, 10+ attributes per
 * span and a small error rate. Service names carry a prefix so runs and tests do not mix.
 */
export class TraceFactory {
  private readonly collector = new Collector();
  private readonly tracers = new Map<string, ReturnType<BasicTracerProvider['getTracer']>>();
  private requestSeq = 0;

  constructor(readonly prefix: string) {
    for (const name of serviceNames) {
      const service = this.service(name);
      const pod = `${service}-${randomBytes(3).toString('hex')}`;
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({
          'service.name': service,
          'service.version': '1.4.2',
          'service.instance.id': pod,
          'k8s.namespace.name': 'shop',
          'k8s.pod.name': pod,
          'k8s.deployment.name': service,
          'host.name': `node-${name.length % 3}`,
          'deployment.environment.name': 'bench',
        }),
        spanProcessors: [this.collector],
      });
      this.tracers.set(service, provider.getTracer(`shop/${name}`, '1.0.0'));
    }
  }

  service(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** Every service name of the topology, datastores included. */
  get services(): string[] {
    return [...serviceNames, 'redis-cart', 'catalog-db'].map((n) => this.service(n));
  }

  /** One trace ending around `nowMs`; returns its spans (children first, as SDKs end them). */
  trace(nowMs = Date.now()): ReadableSpan[] {
    const entry = entryPoints[this.requestSeq++ % entryPoints.length]!;
    const total = 5 + entry.calls.reduce((a, c) => a + c.meanMs, 0);
    const start = nowMs - total * 1.5;
    const tenant = `tenant-${this.requestSeq % 17}`;
    const tracer = this.tracers.get(this.service('frontend'))!;
    const root = tracer.startSpan(`GET ${entry.route}`, {
      kind: SpanKind.SERVER,
      startTime: hr(start),
      attributes: {
        'http.request.method': 'GET',
        'http.route': entry.route,
        'url.path': entry.route.replace('{id}', String(this.requestSeq % 500)),
        'url.scheme': 'https',
        'server.address': 'shop.example.com',
        'server.port': 443,
        'network.protocol.version': '1.1',
        'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) bench',
        'client.address': `10.0.${this.requestSeq % 200}.${this.requestSeq % 250}`,
        'app.tenant': tenant,
        'app.request_id': randomBytes(8).toString('hex'),
      },
    });
    const ctx = trace.setSpan(context.active(), root);
    let t = start + 1;
    let failed = false;
    for (const call of entry.calls) {
      const end = this.call('frontend', call, ctx, t, tenant);
      failed ||= end.failed;
      t = end.at + 0.2;
    }
    root.setAttribute('http.response.status_code', failed ? 500 : 200);
    if (failed) root.setStatus({ code: SpanStatusCode.ERROR });
    root.end(hr(t + 1));
    return this.collector.spans.splice(0);
  }

  private call(caller: string, call: Call, parent: Context, at: number, tenant: string) {
    const callerTracer = this.tracers.get(this.service(caller))!;
    const callee = this.service(call.service);
    const rpc = {
      'rpc.system': 'grpc',
      'rpc.service': `shop.${call.service}`,
      'rpc.method': call.operation,
      'server.address': call.service,
      'server.port': 50051,
      'network.transport': 'tcp',
      'app.tenant': tenant,
    } satisfies Attributes;
    const client = callerTracer.startSpan(
      `shop.${call.service}/${call.operation}`,
      {
        kind: SpanKind.CLIENT,
        startTime: hr(at),
        attributes: {
          ...rpc,
          'peer.service': callee,
          'app.attempt': 1,
          'thread.id': 7,
          'thread.name': 'grpc-worker',
        },
      },
      parent,
    );
    const serverStart = at + 0.3;
    const server = this.tracers.get(callee)!.startSpan(
      call.operation,
      {
        kind: SpanKind.SERVER,
        startTime: hr(serverStart),
        attributes: {
          ...rpc,
          'client.address': '10.1.0.5',
          'rpc.grpc.request.size': 512,
          'app.region': 'eu-west-1',
          'process.runtime.name': 'nodejs',
        },
      },
      trace.setSpan(parent, client),
    );
    const serverCtx = trace.setSpan(parent, server);
    let t = serverStart + 0.2;
    let failed = Math.random() < (call.errorRate ?? 0);
    if (call.datastore) {
      const ds = call.datastore;
      const db = this.tracers.get(callee)!.startSpan(
        `${ds.operation} ${ds.system}`,
        {
          kind: SpanKind.CLIENT,
          startTime: hr(t),
          attributes: {
            'db.system': ds.system,
            'db.operation.name': ds.operation,
            'db.namespace': 'shop',
            'db.query.text': `${ds.operation} items WHERE tenant = ?`,
            'server.address': this.service(ds.peer),
            'server.port': ds.system === 'redis' ? 6379 : 5432,
            'peer.service': this.service(ds.peer),
            'network.peer.address': '10.2.0.9',
            'network.transport': 'tcp',
            'app.tenant': tenant,
          },
        },
        serverCtx,
      );
      t += jitter(1);
      db.end(hr(t));
    }
    for (const child of call.calls ?? []) {
      const end = this.call(call.service, child, serverCtx, t, tenant);
      failed ||= end.failed;
      t = end.at + 0.2;
    }
    t = Math.max(t, serverStart + jitter(call.meanMs));
    server.setAttribute('rpc.grpc.status_code', failed ? 13 : 0);
    client.setAttribute('rpc.grpc.status_code', failed ? 13 : 0);
    if (failed) {
      server.setStatus({ code: SpanStatusCode.ERROR, message: `${call.operation} failed` });
      server.addEvent(
        'exception',
        { 'exception.type': 'Error', 'exception.message': 'card declined' },
        hr(t - 0.1),
      );
      client.setStatus({ code: SpanStatusCode.ERROR });
    }
    server.end(hr(t));
    client.end(hr(t + 0.3));
    return { at: t + 0.3, failed };
  }
}
