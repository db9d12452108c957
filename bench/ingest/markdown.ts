import { cpus } from 'node:os';
import { machineDescription } from '../report';
import type { CeilingResult } from './copy-ceiling';
import { clientPlan, type LoadResult } from './load-run';
import {
  telemetrygenHeadroom,
  telemetrygenModule,
  telemetrygenPlan,
  type TelemetrygenResult,
} from './telemetrygen';
import { median } from '../../activities/rca/stats';

export const targets = { spansPerSecond: 25_000, ceilingRatio: 0.6, rssMb: 500 };

/** One measured round: a ceiling measurement, then the JS load, then telemetrygen's. */
export interface Round {
  ceiling: CeilingResult;
  ceilingCpuPerRowUs: number;
  load: LoadResult;
  telemetrygen: TelemetrygenResult | undefined;
}

export interface BenchmarkRun {
  rounds: Round[];
  seconds: number;
  warmupSeconds: number;
  peakRssMb: number;
  loadAverage: number[];
  /** Why telemetrygen could not be installed, or null when it ran. */
  telemetrygenError: string | null;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
const clientCpu = (l: LoadResult) => l.clients.reduce((a, c) => a + c.cpuSeconds, 0);
const perSpanUs = (cpuSeconds: number, l: LoadResult) => (cpuSeconds / l.acked) * 1e6;
const perSpan = (cpuSeconds: number, l: LoadResult) => perSpanUs(cpuSeconds, l).toFixed(1);
/** The part of the machine's busy CPU that the receiver, PostgreSQL and the clients used. */
const benchShare = (l: LoadResult) =>
  (l.receiverCpuSeconds + l.postgresCpuSeconds + clientCpu(l)) / l.machineBusySeconds;
const ratio = (r: Round) => r.load.sustainedSpansPerSecond / r.ceiling.rowsPerSecond;

function roundRow(r: Round, i: number): string {
  const l = r.load;
  return (
    `| ${i + 1} | ${n(l.sustainedSpansPerSecond)} | ${n(r.ceiling.rowsPerSecond)} | ` +
    `${(ratio(r) * 100).toFixed(0)}% | ${l.p50Ms.toFixed(0)} / ${l.p99Ms.toFixed(0)} | ` +
    `${perSpan(l.receiverCpuSeconds, l)} / ${perSpan(l.postgresCpuSeconds, l)} / ` +
    `${perSpan(clientCpu(l), l)} | ${r.ceilingCpuPerRowUs.toFixed(1)} | ` +
    `${n(l.acked / Math.max(1, l.commits))} | ${(l.machineCpuBusy * 100).toFixed(0)}% | ` +
    `${(benchShare(l) * 100).toFixed(0)}% |`
  );
}

function telemetrygenRow(r: Round, i: number): string {
  const t = r.telemetrygen!;
  const us = (cpu: number) => ((cpu / Math.max(1, t.stored)) * 1e6).toFixed(1);
  return (
    `| ${i + 1} | ${n(t.sustainedSpansPerSecond)} of ${n(t.offeredSpansPerSecond)} | ` +
    `${n(r.ceiling.rowsPerSecond)} | ` +
    `${((t.sustainedSpansPerSecond / r.ceiling.rowsPerSecond) * 100).toFixed(0)}% | ` +
    `${us(t.receiverCpuSeconds)} / ${us(t.postgresCpuSeconds)} / ${us(t.clientCpuSeconds)} | ` +
    `${(t.machineCpuBusy * 100).toFixed(0)}% |`
  );
}

function telemetrygenSection(run: BenchmarkRun): string {
  if (run.telemetrygenError !== null)
    return `### telemetrygen (Go)

Not run: \`go install ${telemetrygenModule}\` failed:

\`\`\`
${run.telemetrygenError}
\`\`\`
`;
  const measured = run.rounds.filter((r) => r.telemetrygen);
  const rate = median(measured.map((r) => r.telemetrygen!.sustainedSpansPerSecond));
  const ratio = median(
    measured.map((r) => r.telemetrygen!.sustainedSpansPerSecond / r.ceiling.rowsPerSecond),
  );
  const transports = telemetrygenPlan.map((p) => p.transport).join(', ');
  return `### telemetrygen (Go)

\`${telemetrygenModule}\`, built by the benchmark into \`.aiops/tools/go-bin\` on first use.
After the JS load of each round: ${telemetrygenPlan.length} processes (${transports}), each 16 rate-limited
workers and the Go SDK's batch span processor (batches of 2,048 spans, one export in flight), traces of
10 spans (a CLIENT root with peer.service and 9 SERVER children) with 12 attributes per span
and k8s/host resource attributes, for ${run.seconds} s. telemetrygen is open loop, so it offers ${telemetrygenHeadroom} times
the rate the JS clients sustained in the round; what the receiver does not take in time the
clients' batch processors drop (and their CPU per stored span includes the dropped spans). Counted: stored spans that started in the steady window (first and last
3 s left out), per second.

Median of ${measured.length} round(s): **${n(rate)} spans/s**, **${(ratio * 100).toFixed(0)}%** of the same round's ceiling.

| round | stored spans/s of offered | ceiling rows/s | ratio | CPU µs per span: receiver / PostgreSQL / telemetrygen | machine busy |
|---|---|---|---|---|---|
${measured.map(telemetrygenRow).join('\n')}
`;
}

export function benchmarkMarkdown(run: BenchmarkRun): string {
  const spansPerSecond = median(run.rounds.map((r) => r.load.sustainedSpansPerSecond));
  const ceilingRatio = median(run.rounds.map(ratio));
  const p99 = median(run.rounds.map((r) => r.load.p99Ms));
  const acked = run.rounds.reduce((a, r) => a + r.load.acked, 0);
  const stored = run.rounds.reduce((a, r) => a + r.load.stored, 0);
  const receiverUs = median(run.rounds.map((r) => perSpanUs(r.load.receiverCpuSeconds, r.load)));
  const postgresUs = median(run.rounds.map((r) => perSpanUs(r.load.postgresCpuSeconds, r.load)));
  const copyUs = median(run.rounds.map((r) => r.ceilingCpuPerRowUs));
  const clientUs = median(run.rounds.map((r) => perSpanUs(clientCpu(r.load), r.load)));
  const ceilingRate = median(run.rounds.map((r) => r.ceiling.rowsPerSecond));
  const cores = cpus().length;
  const bound = (usPerSpan: number) => (cores * 1e6) / usPerSpan;
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const load = clientPlan
    .map(
      (p) =>
        `${p.transport === 'grpc' ? 'OTLP/gRPC' : 'OTLP/HTTP protobuf'} exporter with ` +
        `${p.concurrency} concurrent exports of ${p.batchSize} spans`,
    )
    .join('; ');
  return `## OTLP ingest

Command: \`npm run bench:ingest\` · machine: ${machineDescription()} · date: ${new Date().toISOString().slice(0, 10)}
· load average at start: ${run.loadAverage.map((x) => x.toFixed(1)).join(', ')} (the machine is shared)

Setup: the receiver (\`ingest/main.ts\`, default settings: 2 concurrent flushes of up to 8 MiB,
64 MiB queue) runs in its own process and writes to an embedded PostgreSQL 17 (default
settings, fsync on). Load: ${clientPlan.length} client processes (${load}), closed loop. Spans: traces of an
online-shop topology (10 services, 2 datastores, ~10 spans per trace, 10–15 attributes per
span, cross-service parent/child, peer.service, 2% errors) built once by the OTel SDK tracer,
then re-issued with fresh ids and current timestamps on every export (the SDK tracer costs
~30 µs per span, more than the receiver; bench/ingest/span-pool.ts). Clients, receiver and
PostgreSQL share the machine's 2 cores. After a ${run.warmupSeconds} s warm-up, each of ${run.rounds.length} round(s)
measures the ceiling (a raw binary COPY of the warm-up's stored rows, with fresh trace ids, back
into \`spans\` on 1 and on 2 connections, the faster counts), then runs ${run.seconds} s of load; medians are reported.

| | median of ${run.rounds.length} round(s) | target | |
|---|---|---|---|
| sustained ingest, acknowledged spans/s (steady state) | ${n(spansPerSecond)} | ≥ ${n(targets.spansPerSecond)} | ${verdict(spansPerSecond >= targets.spansPerSecond)} |
| ingest / raw COPY ceiling (same round) | ${(ceilingRatio * 100).toFixed(0)}% | ≥ ${targets.ceilingRatio * 100}% | ${verdict(ceilingRatio >= targets.ceilingRatio)} |
| export latency p99 | ${p99.toFixed(0)} ms | | |
| receiver peak RSS (whole run) | ${run.peakRssMb.toFixed(0)} MB | < ${targets.rssMb} MB | ${verdict(run.peakRssMb < targets.rssMb)} |
| acknowledged / stored spans (all rounds) | ${n(acked)} / ${n(stored)} | none lost | ${verdict(stored >= acked)} |

| round | ingest spans/s | ceiling rows/s | ratio | latency p50 / p99 ms | CPU µs per span: receiver / PostgreSQL / clients | ceiling CPU µs per row | spans per flush | machine busy | of which this benchmark |
|---|---|---|---|---|---|---|---|---|---|
${run.rounds.map(roundRow).join('\n')}

CPU time per span, unlike throughput, hardly depends on what else runs on the shared machine:
per stored span (medians) the receiver costs ${receiverUs.toFixed(1)} µs and PostgreSQL ${postgresUs.toFixed(1)} µs (rollup
upserts included), against ${copyUs.toFixed(1)} µs per row for the raw COPY; the load clients take
${clientUs.toFixed(1)} µs on the same cores. The ceiling has the cores for PostgreSQL alone; under load,
clients, receiver and PostgreSQL split them, which is what bounds the ratio on this machine:
${cores} cores fully busy give at most ${n(bound(receiverUs + postgresUs + clientUs))} spans/s
(${pct(bound(receiverUs + postgresUs + clientUs) / ceilingRate)} of the median ceiling, ${n(ceilingRate)} rows/s), and
even a receiver that cost nothing would leave the clients and PostgreSQL at most
${n(bound(postgresUs + clientUs))} spans/s (${pct(bound(postgresUs + clientUs) / ceilingRate)}). The last column shows how much of the busy CPU was this
benchmark's: the rest went to other work on the shared machine, which lowers the ceiling and
the load rates by amounts that change from round to round.

${telemetrygenSection(run)}`;
}
