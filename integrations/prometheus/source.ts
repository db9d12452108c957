import type { ServiceOfLabels } from '../../ingest/alert-service';
import type { MetricPoint } from '../../simulator/telemetry';
import type { SeriesPoint } from '../../store/detection';
import { prometheusClient, type PrometheusClient, type RangeSeries } from './client';

/** A named PromQL expression; each result series is one metric of the service its labels name. */
export interface PromQuery {
  name: string;
  query: string;
}

export interface PrometheusSourceSettings {
  /** Read by the investigation (as metric evidence of the services they name). */
  evidenceQueries: PromQuery[];
  /** Scored by each detection pass like the metrics in our store. */
  detectionQueries: PromQuery[];
  serviceOf: ServiceOfLabels;
  /** Sample spacing asked of Prometheus: the engine's bucket. */
  stepSeconds: number;
}

/** Metrics read from a team's Prometheus instead of re-shipped over OTLP. */
export interface MetricsSource {
  /** The evidence queries' series in [from, to), as metric points of their services. */
  evidence(from: Date, to: Date): Promise<MetricPoint[]>;
  /** The detection queries' series, one point per bucket in [from, to). */
  detectionPoints(from: Date, to: Date): Promise<SeriesPoint[]>;
}

function instanceOf(labels: Record<string, string>): string {
  return labels.pod ?? labels.instance ?? labels.service_instance_id ?? '';
}

/** Each series with the service its labels name; series naming none are skipped. */
async function read(
  client: PrometheusClient,
  settings: PrometheusSourceSettings,
  queries: PromQuery[],
  from: Date,
  to: Date,
): Promise<{ q: PromQuery; series: RangeSeries; service: string }[]> {
  const results = await Promise.all(
    queries.map(async (q) => ({
      q,
      all: await client.queryRange(q.query, from, to, settings.stepSeconds),
    })),
  );
  return results.flatMap(({ q, all }) =>
    all.flatMap((series) => {
      const service = settings.serviceOf(series.labels);
      return service ? [{ q, series, service }] : [];
    }),
  );
}

export function prometheusSource(
  client: PrometheusClient,
  settings: PrometheusSourceSettings,
): MetricsSource {
  const stepMs = settings.stepSeconds * 1000;
  return {
    async evidence(from, to) {
      if (!settings.evidenceQueries.length) return [];
      const found = await read(client, settings, settings.evidenceQueries, from, to);
      return found.flatMap(({ q, series, service }) => {
        const instance = instanceOf(series.labels);
        const resource = {
          'service.name': service,
          'service.version': '',
          'service.instance.id': instance,
          'host.name': series.labels.node ?? series.labels.instance ?? '',
          'k8s.pod.name': series.labels.pod ?? '',
        };
        return series.samples
          .filter((s) => s.atMs < to.getTime())
          .map((s) => ({
            timeUnixNano: BigInt(s.atMs) * 1_000_000n,
            service,
            instance,
            name: q.name,
            unit: '',
            value: s.value,
            resource,
          }));
      });
    },
    async detectionPoints(from, to) {
      if (!settings.detectionQueries.length) return [];
      // Buckets start at multiples of the step; a sample at a bucket's end stands for it.
      const start = new Date(Math.floor(from.getTime() / stepMs) * stepMs + stepMs);
      const found = await read(client, settings, settings.detectionQueries, start, to);
      return found.flatMap(({ q, series, service }) => {
        // Each labelled series (a pod, an instance) is scored on its own.
        const instance = instanceOf(series.labels);
        const seriesKey = `metric:${service}:${q.name}${instance ? `{${instance}}` : ''}`;
        return series.samples
          .map((s) => ({ bucket: s.atMs - stepMs, value: s.value }))
          .filter((p) => p.bucket + stepMs <= to.getTime())
          .map((p): SeriesPoint => ({ ...p, seriesKey, service, signal: 'metric' }));
      });
    },
  };
}

/** The source for a configured Prometheus, with the engine's bucket as the step. */
export function configuredPrometheusSource(
  settings: { url: string; evidenceQueries: PromQuery[]; detectionQueries: PromQuery[] },
  serviceOf: ServiceOfLabels,
  stepSeconds: number,
): MetricsSource {
  return prometheusSource(prometheusClient(settings.url), { ...settings, serviceOf, stepSeconds });
}
