import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startReceivers, type RunningReceivers } from '../../ingest/receivers';
import { createPool, type Pool } from '../../store/db';
import { upsertIncident } from '../../store/incidents';
import { loadConfig } from '../../worker/config';
import { tokenDigest } from '../../worker/approver-identities';
import { freePort } from '../../worker/stack/ports';

/** What an exporter reports: code 0 (SUCCESS) or 1 (FAILED), with the error. */
type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];
const success = 0;
const failed = 1;

const run = randomUUID().slice(0, 8);
const tokens = { teamA: `tok-a-${run}`, untenanted: `tok-n-${run}` };
const tokenSetting = JSON.stringify({
  [tokenDigest(tokens.teamA).toString('hex')]: 'team-a',
  [tokenDigest(tokens.untenanted).toString('hex')]: null,
});

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, by openssl. */
function makeCertificates() {
  const dir = mkdtempSync(join(tmpdir(), 'aiops-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=aiops-test-ca',
  );
  for (const [name, ext] of [
    ['server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
    ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  }
  const file = (name: string) => join(dir, name);
  const read = (name: string) => readFileSync(file(name));
  return { file, read };
}

type Transport = 'http' | 'grpc';
interface ClientSide {
  token?: string;
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
}

function exporterFor(transport: Transport, address: string, c: ClientSide): SpanExporter {
  const scheme = c.tls ? 'https' : 'http';
  if (transport === 'http') {
    return new HttpTraceExporter({
      url: `${scheme}://${address}/v1/traces`,
      timeoutMillis: 3000,
      ...(c.token ? { headers: { Authorization: `Bearer ${c.token}` } } : {}),
      ...(c.tls ? { httpAgentOptions: { ca: c.tls.ca, cert: c.tls.cert, key: c.tls.key } } : {}),
    });
  }
  const metadata = new Metadata();
  if (c.token) metadata.set('authorization', `Bearer ${c.token}`);
  return new GrpcTraceExporter({
    url: `${scheme}://${address}`,
    timeoutMillis: 3000,
    metadata,
    ...(c.tls
      ? { credentials: credentials.createSsl(c.tls.ca, c.tls.key ?? null, c.tls.cert ?? null) }
      : {}),
  });
}

/** One span of `serviceName` through a real OTel SDK exporter; the exporter's own verdict. */
async function exportSpan(exporter: SpanExporter, serviceName: string): Promise<ExportResult> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  provider.getTracer('it').startSpan('GET /cart').end();
  const result = await new Promise<ExportResult>((r) =>
    exporter.export(memory.getFinishedSpans(), r),
  );
  await exporter.shutdown();
  await provider.shutdown();
  return result;
}

/**
 * Authenticated ingest with the OpenTelemetry SDK's own exporters (OTLP/HTTP and OTLP/gRPC):
 * bearer tokens, TLS and mTLS. A refused export stores nothing.
 */
describe('OTLP receivers: tokens, TLS and mTLS', () => {
  let pool: Pool;
  const receivers: Record<'plain' | 'tls' | 'mtls', RunningReceivers> = {} as never;
  let certs: ReturnType<typeof makeCertificates>;
  const tally = { tried: 0, refused: 0, stored: 0 };

  async function start(env: Record<string, string>) {
    const config = loadConfig({
      AIOPS_OTLP_GRPC_PORT: String(await freePort()),
      AIOPS_OTLP_HTTP_PORT: String(await freePort()),
      AIOPS_OTLP_TOKENS: tokenSetting,
      ...env,
    });
    return startReceivers({ config, pool });
  }

  beforeAll(async () => {
    pool = createPool(inject('databaseUrl'));
    certs = makeCertificates();
    const tls = {
      AIOPS_OTLP_TLS_CERT: certs.file('server.crt'),
      AIOPS_OTLP_TLS_KEY: certs.file('server.key'),
    };
    receivers.plain = await start({});
    receivers.tls = await start(tls);
    receivers.mtls = await start({ ...tls, AIOPS_OTLP_TLS_CLIENT_CA: certs.file('ca.crt') });
  });
  afterAll(async () => {
    await Promise.all(Object.values(receivers).map((r) => r.stop()));
    await pool.end();
    console.info(`ingest auth: ${JSON.stringify(tally)}`);
  });

  /** The spans stored for a service, and the tenant each was stored under. */
  async function stored(serviceName: string): Promise<{ n: number; tenants: (string | null)[] }> {
    const { rows } = await pool.query<{ tenant: string | null }>(
      `SELECT src.tenant FROM spans sp JOIN services s ON s.id = sp.service_id
         JOIN telemetry_sources src ON src.id = sp.source_id WHERE s.name = $1`,
      [serviceName],
    );
    return { n: rows.length, tenants: rows.map((r) => r.tenant) };
  }

  /** Exports one span and checks the exporter's verdict and what was stored. */
  async function attempt(
    which: keyof typeof receivers,
    transport: Transport,
    client: ClientSide,
    expected: 'stored' | 'refused',
  ): Promise<{ result: ExportResult; tenants: (string | null)[] }> {
    const r = receivers[which];
    const port = transport === 'http' ? r.httpPort : r.grpcPort;
    const name = `it-auth-${run}-${which}-${transport}-${tally.tried}`;
    tally.tried++;
    const result = await exportSpan(exporterFor(transport, `127.0.0.1:${port}`, client), name);
    const rows = await stored(name);
    if (expected === 'stored') {
      expect(result.code, String(result.error)).toBe(success);
      expect(rows.n).toBe(1);
      tally.stored++;
    } else {
      expect(result.code).toBe(failed);
      expect(rows.n).toBe(0);
      tally.refused++;
    }
    return { result, tenants: rows.tenants };
  }

  for (const transport of ['http', 'grpc'] as const) {
    it(`${transport}: no token or a wrong token is refused (401 / UNAUTHENTICATED); a known token is stored under its tenant`, async () => {
      const none = (await attempt('plain', transport, {}, 'refused')).result;
      const wrong = (await attempt('plain', transport, { token: 'tok-guessed' }, 'refused')).result;
      // HTTP 401, or gRPC status 16 (UNAUTHENTICATED), as the exporter reports it.
      const code = transport === 'http' ? 401 : 16;
      expect((none.error as { code?: number }).code).toBe(code);
      expect((wrong.error as { code?: number }).code).toBe(code);
      const teamA = await attempt('plain', transport, { token: tokens.teamA }, 'stored');
      expect(teamA.tenants).toEqual(['team-a']);
      const untenanted = await attempt('plain', transport, { token: tokens.untenanted }, 'stored');
      expect(untenanted.tenants).toEqual([null]);
    });

    it(`${transport}: over TLS with the CA; mTLS refuses a client without a certificate`, async () => {
      const ca = certs.read('ca.crt');
      const clientCert = { ca, cert: certs.read('client.crt'), key: certs.read('client.key') };
      await attempt('tls', transport, { token: tokens.teamA, tls: { ca } }, 'stored');
      await attempt('tls', transport, { tls: { ca } }, 'refused');
      await attempt('mtls', transport, { token: tokens.teamA, tls: clientCert }, 'stored');
      await attempt('mtls', transport, { token: tokens.teamA, tls: { ca } }, 'refused');
      await attempt('mtls', transport, { tls: clientCert }, 'refused');
    });
  }

  it('an incident on a service shows the tenants whose telemetry names it', async () => {
    const name = `it-auth-${run}-incident`;
    const exporter = exporterFor('http', `127.0.0.1:${receivers.plain.httpPort}`, {
      token: tokens.teamA,
    });
    expect((await exportSpan(exporter, name)).code).toBe(success);
    const at = new Date().toISOString();
    await upsertIncident(pool, {
      incidentId: `INC-tenant-${run}`,
      fingerprint: `tenant-${run}`,
      service: name,
      services: [name],
      status: 'open',
      severity: 'low',
      openedAt: at,
      lastAnomalyAt: at,
      anomalyCount: 1,
      topAnomalies: [],
    });
    const { rows } = await pool.query<{ tenants: string[] }>(
      'SELECT tenants FROM incident WHERE incident_id = $1',
      [`INC-tenant-${run}`],
    );
    expect(rows).toEqual([{ tenants: ['team-a'] }]);
  });
});
