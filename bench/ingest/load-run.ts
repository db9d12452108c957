import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Pool } from '../../store/db';
import type { LoadClientArgs, LoadClientResult } from './load-client';
import { machineCpu, processStats } from './process-stats';
import { profileFlags } from './receiver-process';

/** The load: one process per entry, each one OTel exporter with `concurrency` exports in flight. */
export const clientPlan: Omit<LoadClientArgs, 'url' | 'durationMs' | 'servicePrefix'>[] = [
  { transport: 'grpc', concurrency: 16, batchSize: 512 },
  { transport: 'http', concurrency: 16, batchSize: 512 },
];

/** The first and last seconds of a client's run are ramp-up and drain, not steady state. */
const edgeSeconds = 3;

export interface LoadResult {
  clients: LoadClientResult[];
  sustainedSpansPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  receiverCpuSeconds: number;
  postgresCpuSeconds: number;
  machineCpuBusy: number;
  /** CPU seconds the whole machine (all cores) was busy, whoever used them. */
  machineBusySeconds: number;
  /** Committed transactions during the load: flushes plus the odd dictionary insert. */
  commits: number;
  acked: number;
  stored: number;
}

function runClient(args: LoadClientArgs): Promise<LoadClientResult> {
  const child = spawn(
    process.execPath,
    [
      ...profileFlags(),
      '--import',
      'tsx',
      resolve(__dirname, 'load-client.ts'),
      JSON.stringify(args),
    ],
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

async function count(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

const commits = (pool: Pool) =>
  count(pool, 'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()');

/** Runs the client plan against the receiver for `seconds`; services are named `prefix…`. */
export async function runLoad(opts: {
  pool: Pool;
  receiverPid: number;
  ports: { grpc: number; http: number };
  seconds: number;
  prefix: string;
  postgresCpu: () => Promise<number>;
}): Promise<LoadResult> {
  const { pool, seconds } = opts;
  const before = {
    machine: await machineCpu(),
    receiver: await processStats(opts.receiverPid),
    postgres: await opts.postgresCpu(),
    commits: await commits(pool),
  };
  const clients = await Promise.all(
    clientPlan.map((plan, i) =>
      runClient({
        ...plan,
        url:
          plan.transport === 'grpc'
            ? `http://127.0.0.1:${opts.ports.grpc}`
            : `http://127.0.0.1:${opts.ports.http}/v1/traces`,
        durationMs: seconds * 1000,
        servicePrefix: `${opts.prefix}c${i}-`,
      }),
    ),
  );
  const machine = await machineCpu();
  const receiver = await processStats(opts.receiverPid);
  const postgres = await opts.postgresCpu();
  const steady = clients.map((c) =>
    c.ackedPerSecond.slice(edgeSeconds, Math.max(edgeSeconds + 1, seconds - edgeSeconds)),
  );
  const latencies = clients.flatMap((c) => c.latenciesMs).sort((a, b) => a - b);
  return {
    clients,
    sustainedSpansPerSecond: steady.reduce(
      (sum, s) => sum + s.reduce((a, b) => a + b, 0) / s.length,
      0,
    ),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    receiverCpuSeconds: receiver.cpuSeconds - before.receiver.cpuSeconds,
    postgresCpuSeconds: postgres - before.postgres,
    machineCpuBusy: (machine.busy - before.machine.busy) / (machine.total - before.machine.total),
    machineBusySeconds: (machine.busy - before.machine.busy) / 100,
    commits: (await commits(pool)) - before.commits,
    acked: clients.reduce((a, c) => a + c.spansAcked, 0),
    stored: await count(
      pool,
      `SELECT count(*) AS n FROM spans sp JOIN services s ON s.id = sp.service_id
        WHERE s.name LIKE $1 || '%'`,
      [opts.prefix],
    ),
  };
}
