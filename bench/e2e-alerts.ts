import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startShopExposition } from '../simulator/prometheus-exposition';
import {
  ensurePrometheusServers,
  startAlertmanager,
  startPrometheus,
  type LocalServer,
} from '../test/setup/prometheus';
import { tokenDigest } from '../worker/approver-identities';
import { startWorldTraffic } from '../worker/demo/demo';
import { demoNamespace, type DemoWorld } from '../worker/demo/world';
import { freePort } from '../worker/stack/ports';

/**
 * bench:e2e's `--signals alerts` variant: the shop's faults reach the engine only as a team's
 * Prometheus and Alertmanager see them. A real Prometheus scrapes the shop's metrics and
 * evaluates generic alerting rules; a real Alertmanager sends what fires to the engine's
 * receiver with a bearer token; the investigation reads the shop's series from that Prometheus.
 * Nothing goes over OTLP: no traces, logs or metrics (a team without an OTLP pipeline has none).
 */

/** Timings a team would plausibly run with (Prometheus' common 15 s; Alertmanager's default wait). */
export const alertTimings = {
  intervalSeconds: 15,
  for: '1m',
  groupWait: '30s',
  groupInterval: '1m',
  repeatInterval: '4h',
};

const perService = 'namespace, service';
/** `selector`: the range (and offset) after the bucket series, e.g. `[1m]`. */
const p95 = (selector: string) =>
  `histogram_quantile(0.95, sum by (${perService}, le) (rate(http_server_request_duration_seconds_bucket${selector})))`;
const errorRatio = `sum by (${perService}) (rate(http_server_requests_total{code=~"5.."}[1m])) / sum by (${perService}) (rate(http_server_requests_total[1m]))`;

/**
 * Rules any service gets, none written for a fault: latency and memory against the service's
 * own last half hour (no single threshold fits services of 5 ms and of 200 ms), errors and CPU
 * against fixed limits.
 */
export const shopAlertRules = {
  groups: [
    {
      name: 'shop',
      rules: [
        {
          alert: 'HighLatencyP95',
          expr: `${p95('[1m]')} > 1.5 * ${p95('[30m] offset 5m')}`,
          for: alertTimings.for,
          labels: { severity: 'warning' },
          annotations: { summary: 'p95 latency is 1.5× its last half hour' },
        },
        {
          alert: 'HighErrorRate',
          expr: `${errorRatio} > 0.05`,
          for: alertTimings.for,
          labels: { severity: 'critical' },
          annotations: { summary: 'more than 5% of requests fail' },
        },
        {
          alert: 'HighCpu',
          expr: `sum by (${perService}, pod) (rate(process_cpu_seconds_total[1m])) > 0.8`,
          for: alertTimings.for,
          labels: { severity: 'warning' },
          annotations: { summary: 'a pod uses more than 80% of a core' },
        },
        {
          alert: 'MemoryGrowth',
          expr: `sum by (${perService}, pod) (process_resident_memory_bytes) > 1.3 * sum by (${perService}, pod) (avg_over_time(process_resident_memory_bytes[30m] offset 5m))`,
          for: alertTimings.for,
          labels: { severity: 'warning' },
          annotations: { summary: 'resident memory is 1.3× its last half hour' },
        },
      ],
    },
  ],
};

/** What the investigation reads from Prometheus: each service's RED series and its pods' resources. */
export const shopEvidenceQueries: Record<string, string> = {
  request_rate: `sum by (${perService}) (rate(http_server_requests_total[1m]))`,
  error_ratio: errorRatio,
  latency_p95_seconds: p95('[1m]'),
  process_resident_memory_bytes: 'process_resident_memory_bytes',
  process_cpu_cores: 'rate(process_cpu_seconds_total[1m])',
};

/** The variant's set-up in a sentence, for the benchmark's report. */
export const alertSignalsDescription =
  `exposing Prometheus metrics only (request counts, latency histograms, pod CPU and memory), ` +
  `scraped by a real Prometheus every ${alertTimings.intervalSeconds} s whose generic rules ` +
  `(p95 latency, error rate, CPU, memory; \`for: ${alertTimings.for}\`) fire through a real ` +
  `Alertmanager (group_wait ${alertTimings.groupWait}) to the receiver with a bearer token; the ` +
  `investigation reads the services' series from that Prometheus; no OTLP at all (no traces, logs ` +
  `or metrics)`;

export interface AlertSignals {
  /** Settings for the engine's roles: the receiver's token, the Prometheus to read. */
  roleEnv: Record<string, string>;
  /** Starts the shop's traffic into the exposition once the world exists. */
  startTraffic(world: DemoWorld, opts: { rps: number; seed: number }): { stop(): Promise<void> };
  stop(): Promise<void>;
}

/**
 * Starts the exposition, Prometheus and Alertmanager before the engine (whose OTLP/HTTP port is
 * already chosen): Alertmanager retries until the receiver answers.
 */
export async function startAlertSignals(opts: {
  dir: string;
  receiverHttpPort: number;
}): Promise<AlertSignals> {
  await ensurePrometheusServers((line) => console.log(line));
  const token = randomBytes(24).toString('base64url');
  const exposition = await startShopExposition({
    port: await freePort(),
    namespace: demoNamespace,
  });
  const started: LocalServer[] = [];
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop();
    await exposition.close();
  };
  try {
    const alertmanager = await startAlertmanager({
      dir: join(opts.dir, 'alertmanager'),
      webhookUrl: `http://127.0.0.1:${opts.receiverHttpPort}/v1/alerts/alertmanager`,
      bearerToken: token,
      route: alertTimings,
    });
    started.push(alertmanager);
    const prometheus = await startPrometheus({
      dir: join(opts.dir, 'prometheus'),
      scrape: { shop: [exposition.target] },
      honorLabels: true,
      intervalSeconds: alertTimings.intervalSeconds,
      alertmanagerUrl: alertmanager.url,
      rules: JSON.stringify(shopAlertRules),
    });
    started.push(prometheus);
    return {
      roleEnv: {
        AIOPS_OTLP_TOKENS: JSON.stringify({ [tokenDigest(token).toString('hex')]: 'shop' }),
        AIOPS_PROMETHEUS_URL: prometheus.url,
        AIOPS_PROMETHEUS_QUERIES: JSON.stringify(shopEvidenceQueries),
      },
      startTraffic: (world, { rps, seed }) =>
        startWorldTraffic(world, {
          endpoint: '',
          rps,
          seed,
          send: (batch) => {
            exposition.record(batch);
            return Promise.resolve();
          },
        }),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
