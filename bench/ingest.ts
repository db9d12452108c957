/**
 * OTLP ingest benchmark: sustained spans/s through the receiver (real OpenTelemetry JS
 * exporters over gRPC and HTTP/protobuf → receiver child process → PostgreSQL), export
 * latency, peak RSS of the receiver and, in each round, the rate of a raw binary COPY of the
 * same rows into the same table as the ceiling; then the same from telemetrygen (Go), built
 * into .aiops/tools on first use. Run: npm run bench:ingest
 * (BENCH_INGEST_SECONDS and BENCH_INGEST_ROUNDS shorten it for a quick look;
 * BENCH_INGEST_PROFILE=<dir> writes CPU profiles of the receiver and the JS clients there.)
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool } from '../store/db';
import { migrate } from '../store/migrate';
import { loadConfig } from '../worker/config';
import { freePort } from '../worker/stack/ports';
import { startEmbeddedPostgres } from '../worker/stack/postgres';
import { measureCopyCeiling } from './ingest/copy-ceiling';
import { runLoad } from './ingest/load-run';
import { benchmarkMarkdown, type Round } from './ingest/markdown';
import { postgresCpuSeconds, processStats } from './ingest/process-stats';
import { startReceiverProcess, type ReceiverProcess } from './ingest/receiver-process';
import {
  ensureTelemetrygen,
  runTelemetrygenLoad,
  telemetrygenHeadroom,
} from './ingest/telemetrygen';
import { writeBenchmarkSection } from './report';

const seconds = Number(process.env.BENCH_INGEST_SECONDS ?? 60);
const roundCount = Number(process.env.BENCH_INGEST_ROUNDS ?? 3);
const warmupSeconds = 10;
const ceilingSeconds = 16;

async function main() {
  const loadAverage = loadavg();
  const telemetrygen = await ensureTelemetrygen(loadConfig().temporal.toolsDir);
  if ('error' in telemetrygen) console.log(`telemetrygen unavailable: ${telemetrygen.error}`);
  const workDir = await mkdtemp(join(tmpdir(), 'aiops-bench-ingest-'));
  await chmod(workDir, 0o755); // PostgreSQL runs as `postgres` when we are root
  const dataDir = join(workDir, 'pg');
  const pg = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  const pool = createPool(pg.url, 4);
  let receiver: ReceiverProcess | undefined;
  try {
    await migrate(pg.url);
    const ports = { grpc: await freePort(), http: await freePort() };
    receiver = await startReceiverProcess({
      DATABASE_URL: pg.url,
      AIOPS_OTLP_GRPC_PORT: String(ports.grpc),
      AIOPS_OTLP_HTTP_PORT: String(ports.http),
    });
    const postgresCpu = () => postgresCpuSeconds(dataDir);
    const load = { pool, receiverPid: receiver.pid, ports, postgresCpu };
    console.log(`warm-up: ${warmupSeconds} s`);
    await runLoad({ ...load, seconds: warmupSeconds, prefix: 'warm-' });
    const rounds: Round[] = [];
    for (let i = 1; i <= roundCount; i++) {
      const cpuBefore = await postgresCpu();
      const ceiling = await measureCopyCeiling(pool, 'warm-', ceilingSeconds);
      const ceilingCpuPerRowUs = (((await postgresCpu()) - cpuBefore) / ceiling.rowsCopied) * 1e6;
      const result = await runLoad({ ...load, seconds, prefix: `round${i}-` });
      const perClient = result.clients.map((c) => `${c.transport} ${c.spansAcked}`).join(', ');
      console.log(
        `round ${i}: ${Math.round(result.sustainedSpansPerSecond)} spans/s (${perClient} acked) vs ceiling ` +
          `${Math.round(ceiling.rowsPerSecond)} rows/s, p99 ${result.p99Ms.toFixed(0)} ms, ` +
          `stored ${result.stored} of ${result.acked} acked`,
      );
      const tg =
        'bin' in telemetrygen
          ? await runTelemetrygenLoad({
              ...load,
              bin: telemetrygen.bin,
              seconds,
              prefix: `round${i}-`,
              offered: Math.round(result.sustainedSpansPerSecond * telemetrygenHeadroom),
            })
          : undefined;
      if (tg)
        console.log(
          `round ${i} telemetrygen: ${Math.round(tg.sustainedSpansPerSecond)} spans/s stored of ` +
            `${tg.offeredSpansPerSecond} offered`,
        );
      rounds.push({ ceiling, ceilingCpuPerRowUs, load: result, telemetrygen: tg });
    }
    const { peakRssMb } = await processStats(receiver.pid);
    const markdown = benchmarkMarkdown({
      rounds,
      seconds,
      warmupSeconds,
      peakRssMb,
      loadAverage,
      telemetrygenError: 'error' in telemetrygen ? telemetrygen.error : null,
    });
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
