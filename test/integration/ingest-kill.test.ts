import { randomUUID } from 'node:crypto';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startReceiverProcess, type ReceiverProcess } from '../../bench/ingest/receiver-process';
import { TraceFactory } from '../../bench/ingest/span-trees';
import { createPool, type Pool } from '../../store/db';
import { freeFixedPorts } from '../../worker/stack/ports';

const prefix = `it-kill-${randomUUID().slice(0, 8)}-`;
const SUCCESS = 0; // ExportResultCode.SUCCESS

type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];

/** Export loops through real OTel exporters, remembering every span they got acknowledged. */
class Load {
  readonly acked: string[] = [];
  attempts = 0;
  failures = 0;
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(exporters: SpanExporter[], batchSize: number) {
    const factory = new TraceFactory(prefix);
    this.loops = exporters.map(async (exporter) => {
      while (this.running) {
        const spans: ReadableSpan[] = [];
        while (spans.length < batchSize) spans.push(...factory.trace());
        this.attempts++;
        const result = await new Promise<ExportResult>((r) => exporter.export(spans, r));
        if (result.code === SUCCESS) this.acked.push(...spans.map((s) => s.spanContext().spanId));
        else this.failures++;
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

describe('a receiver killed under load', () => {
  let pool: Pool;
  let receiver: ReceiverProcess | undefined;
  const ports = { grpc: 0, http: 0 };
  const start = () =>
    startReceiverProcess({
      DATABASE_URL: inject('databaseUrl'),
      AIOPS_OTLP_GRPC_PORT: String(ports.grpc),
      AIOPS_OTLP_HTTP_PORT: String(ports.http),
    });

  beforeAll(async () => {
    pool = createPool(inject('databaseUrl'));
    [ports.grpc, ports.http] = (await freeFixedPorts(2)) as [number, number];
  });
  afterAll(async () => {
    receiver?.child.kill('SIGKILL');
    await receiver?.exited;
    await pool.end();
  });

  it('has stored every span it acknowledged before SIGKILL', { timeout: 120_000 }, async () => {
    receiver = await start();
    const options = { timeoutMillis: 5_000 };
    const load = new Load(
      [
        ...[1, 2, 3].map(
          () => new GrpcExporter({ url: `http://127.0.0.1:${ports.grpc}`, ...options }),
        ),
        ...[1, 2, 3].map(
          () => new ProtoExporter({ url: `http://127.0.0.1:${ports.http}/v1/traces`, ...options }),
        ),
      ],
      300,
    );
    await new Promise((r) => setTimeout(r, 3_000));
    const ackedBeforeKill = load.acked.length;
    receiver.child.kill('SIGKILL');
    expect(await receiver.exited).toBe('SIGKILL');
    await new Promise((r) => setTimeout(r, 1_000));
    receiver = await start();
    await new Promise((r) => setTimeout(r, 3_000));
    await load.stop();

    expect(ackedBeforeKill).toBeGreaterThan(0);
    expect(load.acked.length).toBeGreaterThan(ackedBeforeKill); // the restarted receiver serves
    const { rows } = await pool.query<{ stored: string }>(
      `SELECT count(DISTINCT span_id) AS stored FROM spans
        WHERE span_id = ANY($1::bytea[]) AND start_time > now() - interval '1 hour'`,
      [load.acked.map((id) => Buffer.from(id, 'hex'))],
    );
    const acked = new Set(load.acked).size;
    console.log(
      `kill under load: ${acked} spans acknowledged (${ackedBeforeKill} before the kill), ` +
        `${rows[0]?.stored} of them stored; ${load.failures} of ${load.attempts} exports failed`,
    );
    expect(Number(rows[0]?.stored)).toBe(acked);
  });
});
