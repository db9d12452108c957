import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Pool } from '../store/db';
import { TelemetryDictionaries } from '../store/telemetry-dictionaries';
import { NewNames } from './new-names';
import { Rollups } from '../store/telemetry-rollups';
import { TelemetryWriter } from '../store/telemetry-writer';
import type { Config } from '../worker/config';
import { Admission } from './admission';
import { createAlertRoutes } from './alerts';
import { serviceMapper } from './alert-service';
import { ingestAuth } from './auth';
import { BatchQueue } from './batch-queue';
import { startGrpcReceiver } from './grpc-receiver';
import { createHttpReceiver } from './http-receiver';
import { LogTemplateTagger } from './log-templates';
import { observedWrite, ObservedPipeline, watchQueue, type IngestObserver } from './observer';
import { IngestPipeline, writeItem } from './pipeline';
import { ServiceEdgeTracker } from './service-edges';
import { createLogsSignal } from './signals/logs';
import { createMetricsSignal } from './signals/metrics';
import { createTraceSignal } from './signals/traces';
import type { AcceptWindow } from './signals/signal';

/** Knobs with sensible defaults; tests and the benchmark shorten or widen them. */
export interface IngestTuning {
  /** How long a parent or child span waits for the other half of a cross-service call. */
  edgeWaitMs: number;
  /** A flush takes pending requests up to about this many encoded bytes. */
  batchBytes: number;
  /** Flushes in flight at once; each holds one PostgreSQL connection. */
  flushConcurrency: number;
  lingerMs: number;
  /** Rows may be this far in the future (clock skew). */
  futureToleranceMs: number;
  /** Requests decoded at once (a decoded request takes several times its body). */
  maxConcurrentDecodes: number;
}

export const defaultIngestTuning: IngestTuning = {
  edgeWaitMs: 15_000,
  batchBytes: 8 * 2 ** 20,
  flushConcurrency: 2,
  lingerMs: 50,
  futureToleranceMs: 2 * 3_600_000,
  maxConcurrentDecodes: 1,
};

export interface RunningReceivers {
  grpcPort: number;
  httpPort: number;
  /** Stops accepting, lets in-flight exports finish and flushes the queue. */
  stop(): Promise<void>;
}

export interface ReceiverDeps {
  config: Config;
  pool: Pool;
  tuning?: Partial<IngestTuning>;
  /** Where write failures are reported (they also reach clients as UNAVAILABLE). */
  onError?: (err: unknown) => void;
  now?: () => number;
  /** Told of every export, refusal and flush (the engine's ingest metrics). */
  observer?: IngestObserver;
}

/**
 * The OTLP receivers (gRPC and HTTP) sharing one pipeline, queue and writer. Rows older than
 * the raw retention (less an hour of margin) are refused: their partitions are being dropped.
 */
export async function startReceivers(deps: ReceiverDeps): Promise<RunningReceivers> {
  const tuning = { ...defaultIngestTuning, ...deps.tuning };
  const now = deps.now ?? Date.now;
  const onError = deps.onError ?? ((err) => console.error(`[ingest] ${String(err)}`));
  const { ingest, retention } = deps.config;
  const writer = new TelemetryWriter(deps.pool);
  const queue = new BatchQueue({
    write: observedWrite((batch) => writer.write(batch), deps.observer),
    maxBytes: ingest.queueBytes,
    batchBytes: tuning.batchBytes,
    concurrency: tuning.flushConcurrency,
    lingerMs: tuning.lingerMs,
    onError,
  });
  const edges = new ServiceEdgeTracker(tuning.edgeWaitMs, undefined, now);
  const window = (): AcceptWindow => {
    const nowUs = now() * 1000;
    return {
      nowUs,
      minUs: nowUs - (retention.rawHours - 1) * 3_600_000_000,
      maxUs: nowUs + tuning.futureToleranceMs * 1000,
    };
  };
  // What requests hold from admission to COMMIT: as many bytes as the queue holds encoded.
  // A body's binary COPY rows take up to ~3x its bytes (spans with no attributes: a 15 MiB
  // request makes 44 MB of rows), held with the body until COMMIT: counted as 4x at admission,
  // so memory stays bounded when many large requests arrive at once.
  const admission = new Admission({
    maxRequestBytes: ingest.maxRequestBytes,
    maxInFlightBytes: ingest.queueBytes,
    maxConcurrentDecodes: tuning.maxConcurrentDecodes,
    heldPerBodyByte: 4,
  });
  const pipelineDeps = {
    queue,
    admission,
    dictionaries: new TelemetryDictionaries(deps.pool),
    newNames: new NewNames(deps.pool, ingest.newNames, now),
    window,
  };
  const pipeline = deps.observer
    ? new ObservedPipeline(pipelineDeps, deps.observer)
    : new IngestPipeline(pipelineDeps);
  watchQueue(queue, deps.observer);
  const templates = new LogTemplateTagger(deps.pool, now);
  const signals = [createTraceSignal(edges), createMetricsSignal(), createLogsSignal(templates)];

  const auth = ingestAuth(deps.config.ingestAuth);
  const http = createHttpReceiver({
    pipeline,
    signals,
    maxRequestBytes: ingest.maxRequestBytes,
    admission,
    auth,
    routes: createAlertRoutes({
      pool: deps.pool,
      admission,
      serviceOf: serviceMapper(deps.config.integrations.alerts.serviceRules),
    }),
  });
  const grpc = await listen(http, ingest.host, ingest.httpPort)
    .then(() =>
      startGrpcReceiver(
        { pipeline, signals, maxRequestBytes: ingest.maxRequestBytes, admission, auth },
        ingest.host,
        ingest.grpcPort,
      ),
    )
    .catch((err: unknown) => {
      http.close();
      throw err;
    });

  // Callers and orphans that waited long enough become edges in a write of their own.
  const settleEdges = (at?: number) => {
    const rollups = new Rollups();
    edges.sweep(rollups, at);
    return rollups.size ? queue.submit(writeItem(null, rollups)).catch(onError) : undefined;
  };
  const sweep = setInterval(settleEdges, Math.max(100, Math.min(1000, tuning.edgeWaitMs / 2)));

  const address = http.address();
  let stopping: Promise<void> | undefined;
  return {
    grpcPort: grpc.port,
    httpPort: typeof address === 'object' && address ? address.port : ingest.httpPort,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(sweep);
        await Promise.all([closeHttp(http), grpc.stop()]);
        await settleEdges(Infinity); // settle every edge still waiting with what is known
        await queue.close();
        await templates.flush().catch(onError);
      })()),
  };
}

type Server = HttpServer | HttpsServer;

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops accepting and waits for in-flight requests; idle keep-alives are dropped at once. */
function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    server.close(() => {
      clearInterval(idle);
      resolve();
    });
    server.closeIdleConnections();
  });
}
