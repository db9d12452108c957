import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { TelemetryBatch } from './telemetry';

/** The Prometheus client libraries' default histogram buckets (seconds). */
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ShopExposition {
  /** host:port for a scrape config. */
  target: string;
  /** Counts one slice of simulated traffic into the exposed series. */
  record(batch: TelemetryBatch): void;
  close(): Promise<void>;
}

/**
 * The simulated shop's metrics as its services' Prometheus client libraries would expose them,
 * on one loopback `/metrics` (labels `service`, `pod`, `namespace` instead of one target per
 * pod): request counts by status and a latency histogram from the server spans, and CPU and
 * resident memory of each pod. Nothing else of the slice (spans, logs) leaves this process.
 */
export async function startShopExposition(opts: {
  port: number;
  namespace: string;
}): Promise<ShopExposition> {
  const exporter = await new Promise<PrometheusExporter>((resolve) => {
    const e: PrometheusExporter = new PrometheusExporter(
      { host: '127.0.0.1', port: opts.port },
      () => resolve(e),
    );
  });
  const provider = new MeterProvider({ readers: [exporter] });
  const meter = provider.getMeter('shop');
  const requests = meter.createCounter('http_server_requests');
  const duration = meter.createHistogram('http_server_request_duration_seconds', {
    advice: { explicitBucketBoundaries: latencyBuckets },
  });
  const cpu = meter.createCounter('process_cpu_seconds');
  const memory = meter.createGauge('process_resident_memory_bytes');
  return {
    target: `127.0.0.1:${opts.port}`,
    record(batch) {
      const sliceSeconds = (batch.toMs - batch.fromMs) / 1000;
      for (const span of batch.spans) {
        if (span.kind !== 'SERVER') continue;
        const labels = {
          namespace: opts.namespace,
          service: span.service,
          pod: span.resource['k8s.pod.name'],
        };
        requests.add(1, { ...labels, code: span.status === 'ERROR' ? '500' : '200' });
        duration.record(Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e9, labels);
      }
      for (const m of batch.metrics) {
        const labels = { namespace: opts.namespace, service: m.service, pod: m.instance };
        if (m.name === 'cpu.utilization') cpu.add(m.value * sliceSeconds, labels);
        if (m.name === 'memory.usage') memory.record(m.value, labels);
      }
    },
    async close() {
      await provider.shutdown();
    },
  };
}
