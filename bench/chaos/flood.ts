/**
 * The oversize flood of issue #15: many clients each send a large OTLP/HTTP trace export at
 * once to the receiver running as its own process (`ingest/main.ts`, as in production) on a
 * scratch PostgreSQL. Reports the receiver's peak RSS and how the requests were answered.
 *
 *   npm run bench:chaos -- --flood                      # 120 clients x 15 MiB
 *   npm run bench:chaos -- --flood --clients 40 --mib 8
 */
import { randomBytes } from 'node:crypto';
import { TraceRequest } from '../../ingest/otlp';
import { freePort } from '../../worker/stack/ports';
import { processStats } from '../ingest/process-stats';
import { startReceiverProcess } from '../ingest/receiver-process';
import { withScratchDatabase } from '../scratch-database';

const mib = 2 ** 20;

export interface FloodResult {
  peakRssMiB: number;
  /** HTTP status (or 'reset') → how many requests were answered so. */
  answers: Record<string, number>;
}

/**
 * About `bytes` of small real spans in one request. Repeated fields concatenate, so copies of
 * one 1000-span request make a large one without one huge encode.
 */
export function floodBody(serviceName: string, bytes: number): Buffer {
  const now = Date.now() * 1e6;
  const part = Buffer.from(
    TraceRequest.encode({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
          scopeSpans: [
            {
              spans: Array.from({ length: 1000 }, () => ({
                traceId: randomBytes(16),
                spanId: randomBytes(8),
                name: 'op',
                kind: 2,
                startTimeUnixNano: now,
                endTimeUnixNano: now + 1_000_000,
              })),
            },
          ],
        },
      ],
    }).finish(),
  );
  return Buffer.concat(Array<Buffer>(Math.max(1, Math.round(bytes / part.length))).fill(part));
}

/** Sends `clients` copies of `body` at once to an OTLP/HTTP endpoint; counts the answers. */
export async function flood(
  endpoint: string,
  body: Buffer,
  clients: number,
): Promise<Record<string, number>> {
  const answers = await Promise.all(
    Array.from({ length: clients }, () =>
      fetch(`${endpoint}/v1/traces`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/x-protobuf' },
      }).then(
        (r) => String(r.status),
        () => 'reset',
      ),
    ),
  );
  const counts: Record<string, number> = {};
  for (const a of answers) counts[a] = (counts[a] ?? 0) + 1;
  return counts;
}

/** The receiver process on `databaseUrl` under the flood; stopped afterwards. */
export async function floodReceiver(
  databaseUrl: string,
  clients: number,
  bytesPerRequest: number,
  env: Record<string, string> = {},
): Promise<FloodResult> {
  const http = await freePort();
  const receiver = await startReceiverProcess({
    ...env,
    DATABASE_URL: databaseUrl,
    AIOPS_OTLP_GRPC_PORT: String(await freePort()),
    AIOPS_OTLP_HTTP_PORT: String(http),
  });
  try {
    const body = floodBody(`flood-${randomBytes(4).toString('hex')}`, bytesPerRequest);
    const answers = await flood(`http://127.0.0.1:${http}`, body, clients);
    return { peakRssMiB: (await processStats(receiver.pid)).peakRssMb, answers };
  } finally {
    receiver.child.kill('SIGTERM');
    await receiver.exited;
  }
}

export async function floodBench(argv: readonly string[]): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const clients = arg('--clients', 120);
  const mibEach = arg('--mib', 15);
  const day = 86_400_000;
  const result = await withScratchDatabase(
    'flood',
    { from: new Date(Date.now() - day), to: new Date(Date.now() + day) },
    async (pool) => {
      const url = (pool.options as { connectionString?: string }).connectionString;
      if (!url) throw new Error('scratch database without a connection string');
      return floodReceiver(url, clients, mibEach * mib);
    },
  );
  console.log(
    `oversize flood, ${clients} clients x ${mibEach} MiB: receiver peak RSS ` +
      `${result.peakRssMiB.toFixed(0)} MiB; answers ${JSON.stringify(result.answers)}`,
  );
}
