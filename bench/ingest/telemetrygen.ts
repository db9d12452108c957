import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Pool } from '../../store/db';
import { machineCpu, processStats } from './process-stats';

/**
 * The Go load client, from opentelemetry-collector-contrib. v0.161.0 is the newest version the
 * Go module proxy serves for this module (v0.165.x answers 403 "not available").
 */
export const telemetrygenModule =
  'github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@v0.161.0';

/** The binary, or why there is none (the exact error, for the benchmark doc). */
export type Telemetrygen = { bin: string } | { error: string };

/** Finds telemetrygen in `<toolsDir>/go-bin`, building it there with `go install` if missing. */
export async function ensureTelemetrygen(toolsDir: string): Promise<Telemetrygen> {
  const gobin = join(toolsDir, 'go-bin');
  const bin = join(gobin, 'telemetrygen');
  if (existsSync(bin)) return { bin };
  console.log(`building telemetrygen: go install ${telemetrygenModule} (GOBIN=${gobin})`);
  await mkdir(gobin, { recursive: true });
  try {
    await promisify(execFile)('go', ['install', telemetrygenModule], {
      env: { ...process.env, GOBIN: gobin, GOFLAGS: '-mod=mod' },
      maxBuffer: 16 * 2 ** 20,
    });
  } catch (err) {
    const e = err as { stderr?: string; message?: string };
    return { error: (e.stderr || e.message || String(err)).trim() };
  }
  return existsSync(bin) ? { bin } : { error: 'go install succeeded but left no binary' };
}

/**
 * Open loop: telemetrygen offers this much more than the JS clients sustained in the round, so
 * it can show a higher rate, yet little of its CPU goes into spans its batch processors drop.
 */
export const telemetrygenHeadroom = 1.25;

/** One process per entry; each runs one batch span processor, so one export at a time. */
export const telemetrygenPlan: { transport: 'grpc' | 'http' }[] = [
  { transport: 'grpc' },
  { transport: 'grpc' },
  { transport: 'http' },
  { transport: 'http' },
];
/** The Go SDK's batch span processor caps a batch at its queue size (2048 spans). */
const batchSize = 2048;
const childSpans = 9; // traces of 10 spans
/**
 * A worker waits on its rate limiter before every span, and a sleep that short lasts far
 * longer than asked: one worker made at most ~1,600 spans/s here. Many workers reach the rate.
 */
const workersPerProcess = 16;

/** Ten span attributes of an HTTP server span, besides the two telemetrygen always sets. */
const spanAttributes = {
  'http.request.method': '"GET"',
  'http.route': '"/api/products/{id}"',
  'url.path': '"/api/products/OLJCESPC7Z"',
  'url.scheme': '"http"',
  'http.response.status_code': '200',
  'server.address': '"frontend.shop.svc"',
  'server.port': '8080',
  'user_agent.original': '"Mozilla/5.0 (X11; Linux x86_64) bench"',
  'network.protocol.version': '"1.1"',
  'app.request.id': '"3f2a9c1e-bench"',
};

export interface TelemetrygenResult {
  /** Offered load: spans/s the processes' rate limiters allow. */
  offeredSpansPerSecond: number;
  /** Stored spans started in the steady window, per second of it. */
  sustainedSpansPerSecond: number;
  stored: number;
  receiverCpuSeconds: number;
  postgresCpuSeconds: number;
  clientCpuSeconds: number;
  machineCpuBusy: number;
}

/** CPU seconds of this process's exited (waited-for) children: cutime + cstime. */
async function childrenCpuSeconds(): Promise<number> {
  const f = (await readFile('/proc/self/stat', 'utf8')).split(') ')[1]!.split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}

function runOne(bin: string, args: string[]): Promise<void> {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  return new Promise((done, fail) =>
    child.once('exit', (code) =>
      code === 0 ? done() : fail(new Error(`telemetrygen exited with ${code}:\n${log}`)),
    ),
  );
}

/**
 * Open-loop load from telemetrygen (it has no closed-loop mode): `offered` spans/s in total,
 * split over the plan's processes. What the receiver cannot take in time, the clients' batch
 * processors drop, so the stored rate in the steady window is what the receiver sustained.
 */
export async function runTelemetrygenLoad(opts: {
  bin: string;
  pool: Pool;
  receiverPid: number;
  ports: { grpc: number; http: number };
  seconds: number;
  prefix: string;
  offered: number;
  postgresCpu: () => Promise<number>;
}): Promise<TelemetrygenResult> {
  const edgeSeconds = 3;
  const before = {
    machine: await machineCpu(),
    receiver: await processStats(opts.receiverPid),
    postgres: await opts.postgresCpu(),
    children: await childrenCpuSeconds(),
  };
  const start = Date.now();
  await Promise.all(
    telemetrygenPlan.map((plan, i) => {
      const port = plan.transport === 'grpc' ? opts.ports.grpc : opts.ports.http;
      const args = [
        'traces',
        `--otlp-endpoint=127.0.0.1:${port}`,
        '--otlp-insecure',
        ...(plan.transport === 'http' ? ['--otlp-http'] : []),
        `--duration=${opts.seconds}s`,
        `--workers=${workersPerProcess}`,
        `--rate=${opts.offered / telemetrygenPlan.length / workersPerProcess}`,
        `--child-spans=${childSpans}`,
        `--batch-size=${batchSize}`,
        '--allow-export-failures',
        `--service=${opts.prefix}tg${i}`,
        ...Object.entries({
          'k8s.namespace.name': '"shop"',
          'k8s.deployment.name': `"${opts.prefix}tg${i}"`,
          'k8s.pod.name': `"${opts.prefix}tg${i}-7d9f-x2k"`,
          'host.name': '"node-1"',
        }).map(([k, v]) => `--otlp-attributes=${k}=${v}`),
        ...Object.entries(spanAttributes).map(([k, v]) => `--telemetry-attributes=${k}=${v}`),
      ];
      return runOne(opts.bin, args);
    }),
  );
  const machine = await machineCpu();
  const receiver = await processStats(opts.receiverPid);
  const postgres = await opts.postgresCpu();
  const windowStart = start + edgeSeconds * 1000;
  const windowEnd = start + (opts.seconds - edgeSeconds) * 1000;
  const { rows } = await opts.pool.query<{ steady: string; total: string }>(
    `SELECT count(*) FILTER (WHERE sp.start_time >= to_timestamp($2::float8 / 1000)
                               AND sp.start_time < to_timestamp($3::float8 / 1000)) AS steady,
            count(*) AS total
       FROM spans sp JOIN services s ON s.id = sp.service_id
      WHERE s.name LIKE $1 || '%'`,
    [`${opts.prefix}tg`, windowStart, windowEnd],
  );
  return {
    offeredSpansPerSecond: opts.offered,
    sustainedSpansPerSecond: Number(rows[0]?.steady ?? 0) / ((windowEnd - windowStart) / 1000),
    stored: Number(rows[0]?.total ?? 0),
    receiverCpuSeconds: receiver.cpuSeconds - before.receiver.cpuSeconds,
    postgresCpuSeconds: postgres - before.postgres,
    clientCpuSeconds: (await childrenCpuSeconds()) - before.children,
    machineCpuBusy: (machine.busy - before.machine.busy) / (machine.total - before.machine.total),
  };
}
