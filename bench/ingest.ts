/**
 * OTLP ingest benchmark: sustained spans/s through the receiver (real OpenTelemetry JS
 * exporters over gRPC and HTTP/protobuf → receiver child process → PostgreSQL), p99 export
 * latency, peak RSS of the receiver, and, in the same run, the rate of a raw binary COPY of the
 * same rows into the same table as the ceiling. Run: npm run bench:ingest
 * (BENCH_INGEST_SECONDS shortens the measured phase for a quick look.)
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPool, type Pool } from '../store/db';
import { migrate } from '../store/migrate';
import { freePort } from '../worker/stack/ports';
import { startEmbeddedPostgres } from '../worker/stack/postgres';
import { measureCopyCeiling, type CeilingResult } from './ingest/copy-ceiling';
import type { LoadClientArgs, LoadClientResult } from './ingest/load-client';
import { startReceiverProcess, type ReceiverProcess } from './ingest/receiver-process';
import { machineDescription, writeBenchmarkSection } from './report';

const measuredSeconds = Number(process.env.BENCH_INGEST_SECONDS ?? 60);
const warmupSeconds = 10;
const ceilingSeconds = 20;
/** Steady state: the first and last seconds of a client's run are ramp-up and drain. */
const edgeSeconds = 3;
const clientPlan: Omit<LoadClientArgs, 'url' | 'durationMs' | 'servicePrefix'>[] = [
  { transport: 'grpc', concurrency: 16, batchSize: 512 },
  { transport: 'http', concurrency: 16, batchSize: 512 },
];
const targets = { spansPerSecond: 25_000, ceilingRatio: 0.6, rssMb: 500 };

/** Peak RSS (VmHWM) and CPU seconds of a process, from /proc. */
async function processStats(pid: number): Promise<{ peakRssMb: number; cpuSeconds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
  return { peakRssMb: hwm / 1024, cpuSeconds: ticks / 100 };
}

/**
 * CPU seconds of a PostgreSQL server: the postmaster, its live backends and workers, and (the
 * postmaster's cutime/cstime) the backends that already exited.
 */
export async function postgresCpuSeconds(dataDir: string): Promise<number> {
  const postmaster = Number(
    (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
  );
  let ticks = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.split(') ')[1]?.split(' ');
    if (!fields) continue;
    if (Number(entry) === postmaster)
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    else if (Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
}

/** Busy share of all CPUs between two /proc/stat readings. */
async function cpuTimes(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function runClient(args: LoadClientArgs): Promise<LoadClientResult> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(__dirname, 'ingest', 'load-client.ts'), JSON.stringify(args)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((done, fail) =>
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) done(JSON.parse(last) as LoadClientResult);
      else fail(new Error(`load client (${args.transport}) exited with ${code}`));
    }),
  );
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

async function countSpans(pool: Pool, prefix: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM spans sp JOIN services s ON s.id = sp.service_id
      WHERE s.name LIKE $1 || '%'`,
    [prefix],
  );
  return Number(rows[0]?.n ?? 0);
}

async function commitCount(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0]?.n ?? 0);
}

interface LoadResult {
  clients: LoadClientResult[];
  sustainedSpansPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
  receiverCpuSeconds: number;
  postgresCpuSeconds: number;
  machineCpuBusy: number;
  /** Committed transactions during the load: flushes plus the odd dictionary insert. */
  commits: number;
  acked: number;
  stored: number;
}

async function runLoad(
  pool: Pool,
  receiver: ReceiverProcess,
  ports: { grpc: number; http: number },
  seconds: number,
  prefix: string,
  postgresCpu: () => Promise<number>,
): Promise<LoadResult> {
  const cpuStart = await cpuTimes();
  const receiverStart = await processStats(receiver.pid);
  const postgresStart = await postgresCpu();
  const commitsStart = await commitCount(pool);
  const clients = await Promise.all(
    clientPlan.map((plan, i) =>
      runClient({
        ...plan,
        url:
          plan.transport === 'grpc'
            ? `http://127.0.0.1:${ports.grpc}`
            : `http://127.0.0.1:${ports.http}/v1/traces`,
        durationMs: seconds * 1000,
        servicePrefix: `${prefix}c${i}-`,
      }),
    ),
  );
  const cpuEnd = await cpuTimes();
  const receiverEnd = await processStats(receiver.pid);
  const postgresEnd = await postgresCpu();
  const commitsEnd = await commitCount(pool);
  // Steady state: acknowledged spans per second, away from ramp-up and drain.
  const steady = clients.map((c) =>
    c.ackedPerSecond.slice(edgeSeconds, Math.max(edgeSeconds + 1, seconds - edgeSeconds)),
  );
  const perSecond = steady.reduce((sum, s) => sum + s.reduce((a, b) => a + b, 0) / s.length, 0);
  const latencies = clients.flatMap((c) => c.latenciesMs).sort((a, b) => a - b);
  return {
    clients,
    sustainedSpansPerSecond: perSecond,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    peakRssMb: receiverEnd.peakRssMb,
    receiverCpuSeconds: receiverEnd.cpuSeconds - receiverStart.cpuSeconds,
    postgresCpuSeconds: postgresEnd - postgresStart,
    commits: commitsEnd - commitsStart,
    machineCpuBusy: (cpuEnd.busy - cpuStart.busy) / (cpuEnd.total - cpuStart.total),
    acked: clients.reduce((a, c) => a + c.spansAcked, 0),
    stored: await countSpans(pool, prefix),
  };
}

function report(
  load: LoadResult,
  ceiling: CeilingResult,
  ceilingCpuPerRowUs: number,
  seconds: number,
): string {
  const ratio = load.sustainedSpansPerSecond / ceiling.rowsPerSecond;
  const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const clientCpu = load.clients.reduce((a, c) => a + c.cpuSeconds, 0);
  const perSpan = (cpuSeconds: number) => ((cpuSeconds / load.acked) * 1e6).toFixed(1);
  return `## OTLP ingest (\`npm run bench:ingest\`)

Command: \`npm run bench:ingest\` · machine: ${machineDescription()} · date: ${new Date().toISOString().slice(0, 10)}

Receiver: \`ingest/main.ts\` in its own process (defaults: 2 concurrent flushes, 8 MiB batches,
64 MiB queue) → embedded PostgreSQL 17 (default settings, fsync on). Load: ${load.clients.length}
client processes, each one real OpenTelemetry JS exporter (${clientPlan
    .map(
      (p) =>
        `${p.transport === 'grpc' ? 'OTLP/gRPC' : 'OTLP/HTTP protobuf'} × ${p.concurrency} concurrent exports of ${p.batchSize} spans`,
    )
    .join('; ')}), closed loop for ${seconds} s after a ${warmupSeconds} s warm-up. Spans: traces
of an online-shop topology (10 services, 2 datastores, ~10 spans per trace, 10–15 attributes
per span, cross-service parent/child, peer.service, 2% payment errors) built by the OTel SDK
tracer once, then re-issued with fresh trace/span ids and current timestamps per export
(the SDK tracer alone costs ~30 µs/span, more than the receiver; see bench/ingest/span-pool.ts).
Everything shares the machine's ${machineDescription().split(' ')[0]} cores: the clients used ${clientCpu.toFixed(0)} CPU-s,
the receiver ${load.receiverCpuSeconds.toFixed(0)} CPU-s, the whole machine was ${(load.machineCpuBusy * 100).toFixed(0)}% busy.

| metric | result | target | |
|---|---|---|---|
| sustained ingest (acknowledged spans/s, steady state) | ${n(load.sustainedSpansPerSecond)} | ≥ ${n(targets.spansPerSecond)} | ${verdict(load.sustainedSpansPerSecond >= targets.spansPerSecond)} |
| raw binary COPY of the same rows into \`spans\` (ceiling) | ${n(ceiling.rowsPerSecond)} rows/s | | |
| ingest / ceiling | ${(ratio * 100).toFixed(0)}% | ≥ ${targets.ceilingRatio * 100}% | ${verdict(ratio >= targets.ceilingRatio)} |
| export latency p50 / p99 | ${load.p50Ms.toFixed(0)} ms / ${load.p99Ms.toFixed(0)} ms | | |
| receiver peak RSS | ${load.peakRssMb.toFixed(0)} MB | < ${targets.rssMb} MB | ${verdict(load.peakRssMb < targets.rssMb)} |
| CPU per span: receiver / PostgreSQL / load clients | ${perSpan(load.receiverCpuSeconds)} / ${perSpan(load.postgresCpuSeconds)} / ${perSpan(clientCpu)} µs | | |
| PostgreSQL transactions (≈ flushes) | ${n(load.commits)}, ${n(load.acked / Math.max(1, load.commits))} spans each | | |
| CPU per row of the ceiling: PostgreSQL | ${ceilingCpuPerRowUs.toFixed(1)} µs | | |
| acknowledged / stored spans | ${n(load.acked)} / ${n(load.stored)} | stored ≥ acknowledged | ${verdict(load.stored >= load.acked)} |

Ceiling: ${ceiling.description}. Ingest writes more than the ceiling does: besides the same
COPY into \`spans\`, every flush upserts the 10-second rollups (operations, services, edges).
`;
}

async function main() {
  const workDir = await mkdtemp(join(tmpdir(), 'aiops-bench-ingest-'));
  await chmod(workDir, 0o755);
  const dataDir = join(workDir, 'pg');
  const pg = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  let receiver: ReceiverProcess | undefined;
  const pool = createPool(pg.url, 4);
  try {
    await migrate(pg.url);
    const ports = { grpc: await freePort(), http: await freePort() };
    receiver = await startReceiverProcess({
      DATABASE_URL: pg.url,
      AIOPS_OTLP_GRPC_PORT: String(ports.grpc),
      AIOPS_OTLP_HTTP_PORT: String(ports.http),
    });
    console.log(`warm-up: ${warmupSeconds} s`);
    const postgresCpu = () => postgresCpuSeconds(dataDir);
    await runLoad(pool, receiver, ports, warmupSeconds, 'warm-', postgresCpu);
    console.log(`ceiling: raw binary COPY of the warm-up's rows, ${ceilingSeconds} s`);
    const ceilingCpuStart = await postgresCpu();
    const ceiling = await measureCopyCeiling(pool, 'warm-', ceilingSeconds);
    const ceilingCpuPerRowUs =
      (((await postgresCpu()) - ceilingCpuStart) / ceiling.rowsCopied) * 1e6;
    console.log(`${Math.round(ceiling.rowsPerSecond)} rows/s (${ceiling.description})`);
    console.log(`measured load: ${measuredSeconds} s`);
    const load = await runLoad(pool, receiver, ports, measuredSeconds, 'bench-', postgresCpu);
    for (const c of load.clients)
      console.log(
        `  ${c.transport}: ${c.spansAcked} spans acked, ${((c.cpuSeconds / c.spansAcked) * 1e6).toFixed(1)} µs CPU/span`,
      );
    console.log(
      `${Math.round(load.sustainedSpansPerSecond)} spans/s, p99 ${load.p99Ms.toFixed(0)} ms, ` +
        `peak RSS ${load.peakRssMb.toFixed(0)} MB, stored ${load.stored} of ${load.acked} acked`,
    );
    const markdown = report(load, ceiling, ceilingCpuPerRowUs, measuredSeconds);
    await writeBenchmarkSection('ingest', markdown);
    console.log(markdown);
  } finally {
    receiver?.child.kill('SIGTERM');
    await receiver?.exited;
    await pool.end();
    await pg.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
