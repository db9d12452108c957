/**
 * One load-generating process of the ingest benchmark: `concurrency` export loops through one
 * real OpenTelemetry OTLP exporter (gRPC, or HTTP/protobuf), each sending `batchSize` spans and
 * waiting for the answer, for `durationMs`. Prints one JSON line: what was acknowledged, when,
 * and how long each export took. Run by bench/ingest.ts as a child process.
 */
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SpanPool } from './span-pool';
import { TraceFactory } from './span-trees';

type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];
const SUCCESS = 0; // ExportResultCode.SUCCESS of @opentelemetry/core

export interface LoadClientArgs {
  transport: 'grpc' | 'http';
  /** http://host:port (gRPC) or http://host:port/v1/traces (HTTP). */
  url: string;
  concurrency: number;
  batchSize: number;
  durationMs: number;
  servicePrefix: string;
}

export interface LoadClientResult {
  transport: 'grpc' | 'http';
  exportsOk: number;
  exportsFailed: number;
  spansAcked: number;
  /** Spans acknowledged in each second since the start. */
  ackedPerSecond: number[];
  latenciesMs: number[];
  cpuSeconds: number;
}

function exporterFor(args: LoadClientArgs): SpanExporter {
  const options = { url: args.url, concurrencyLimit: args.concurrency * 2, timeoutMillis: 30_000 };
  return args.transport === 'grpc'
    ? new GrpcTraceExporter(options)
    : new ProtoTraceExporter(options);
}

async function run(args: LoadClientArgs): Promise<LoadClientResult> {
  const pool = new SpanPool(new TraceFactory(args.servicePrefix), 3000);
  const exporter = exporterFor(args);
  const result: LoadClientResult = {
    transport: args.transport,
    exportsOk: 0,
    exportsFailed: 0,
    spansAcked: 0,
    ackedPerSecond: [],
    latenciesMs: [],
    cpuSeconds: 0,
  };
  const start = performance.now();
  const end = start + args.durationMs;
  const loop = async () => {
    while (performance.now() < end) {
      const spans = pool.take(args.batchSize);
      const t0 = performance.now();
      const outcome = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
      const t1 = performance.now();
      if (outcome.code !== SUCCESS) {
        result.exportsFailed++;
        continue;
      }
      result.exportsOk++;
      result.spansAcked += spans.length;
      result.latenciesMs.push(t1 - t0);
      const second = Math.floor((t1 - start) / 1000);
      result.ackedPerSecond[second] = (result.ackedPerSecond[second] ?? 0) + spans.length;
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, loop));
  await exporter.shutdown();
  const cpu = process.cpuUsage();
  result.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  result.ackedPerSecond = Array.from(result.ackedPerSecond, (n) => n ?? 0);
  return result;
}

if (require.main === module) {
  const args = JSON.parse(process.argv[2] ?? '{}') as LoadClientArgs;
  run(args).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
