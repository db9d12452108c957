import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { metrics, trace, type Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { Config } from '../config';
import type { Logger } from './logger';

/** The engine's own traces and metrics, for one process. */
export interface EngineTelemetry {
  meter: Meter;
  /** Who emits: service `aiops-engine`, this process's role and instance. */
  resource: Resource;
  /** Where the workers' workflow spans go (Temporal's workflow interceptor sink); unset: dropped. */
  spanExporter: SpanExporter | undefined;
  /** The Prometheus exposition of every metric, for `/metrics`. */
  prometheus(req: IncomingMessage, res: ServerResponse): void;
  /** Flushes what is pending and stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * Starts the engine's telemetry: metrics for Prometheus (`/metrics`) and, when
 * AIOPS_TELEMETRY_OTLP_ENDPOINT is set, traces and metrics over OTLP/HTTP to it (a Collector, or
 * the engine's own receiver). Registers the global tracer and meter providers, which Temporal's
 * OpenTelemetry interceptors use.
 */
export function startEngineTelemetry(opts: {
  config: Config;
  role: string;
  logger: Logger;
}): EngineTelemetry {
  const { otlpEndpoint, exportIntervalMs } = opts.config.telemetry;
  const resource = resourceFromAttributes({
    'service.name': 'aiops-engine',
    'service.instance.id': `${hostname()}-${process.pid}`,
    'aiops.role': opts.role,
  });
  const base = otlpEndpoint?.replace(/\/+$/, '');
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      prometheus,
      ...(base
        ? [
            new PeriodicExportingMetricReader({
              exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
              exportIntervalMillis: exportIntervalMs,
              exportTimeoutMillis: Math.min(exportIntervalMs, 10_000),
            }),
          ]
        : []),
    ],
  });
  const spanExporter = base ? new OTLPTraceExporter({ url: `${base}/v1/traces` }) : undefined;
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: spanExporter
      ? [new BatchSpanProcessor(spanExporter, { scheduledDelayMillis: exportIntervalMs })]
      : [],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  trace.setGlobalTracerProvider(tracerProvider);
  if (base) opts.logger.info({ endpoint: base }, 'exporting engine traces and metrics over OTLP');
  let stopping: Promise<void> | undefined;
  return {
    meter: meterProvider.getMeter('aiops-engine'),
    resource,
    spanExporter,
    prometheus: (req, res) => prometheus.getMetricsRequestHandler(req, res),
    shutdown: () =>
      (stopping ??= Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]).then(() => {
        metrics.disable();
        trace.disable();
      })),
  };
}
