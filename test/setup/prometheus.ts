import { execFile } from 'node:child_process';
import { access, constants, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../worker/stack/ports';
import { spawnServiceProcess, type ServiceProcess } from '../../worker/stack/service-process';
import { ensureDebianPackages } from './debian';

/** Debian's servers (packages prometheus and prometheus-alertmanager). */
const prometheusPath = '/usr/bin/prometheus';
const alertmanagerPath = '/usr/bin/prometheus-alertmanager';
/** Ships with the prometheus package; writes history into a TSDB (backfill). */
const promtoolPath = '/usr/bin/promtool';
const run = promisify(execFile);

async function unavailableReason(): Promise<string | undefined> {
  for (const [path, pkg] of [
    [prometheusPath, 'prometheus'],
    [alertmanagerPath, 'prometheus-alertmanager'],
  ] as const) {
    const ok = await access(path, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (!ok) return `${path} is not installed (Debian package ${pkg})`;
  }
  return undefined;
}

export function ensurePrometheusServers(log: (line: string) => void): Promise<void> {
  return ensureDebianPackages({
    packages: ['prometheus', 'prometheus-alertmanager'],
    missing: unavailableReason,
    purpose: 'the Prometheus and Alertmanager tests',
    log,
  });
}

export interface LocalServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts a server and waits for its `/-/ready`; its output is kept for the error. */
async function startServer(
  name: string,
  path: string,
  args: (port: number) => string[],
  timeoutMs = 60_000,
): Promise<LocalServer> {
  const port = await freePort();
  const proc: ServiceProcess = spawnServiceProcess(path, args(port), { graceMs: 5_000 });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  proc.child.stdout.on('data', keep);
  proc.child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`${name} exited at start:\n${output}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, port, stop: proc.stop };
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`${name} was not ready in ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface PrometheusOptions {
  dir: string;
  /** job name → host:port targets. */
  scrape: Record<string, string[]>;
  /** Alerting rules file content (YAML). */
  rules?: string;
  /** Scrape and rule evaluation interval (default 1 s). */
  intervalSeconds?: number;
  /** Labels of the scraped series win over the target's (a target exposing many services). */
  honorLabels?: boolean;
  alertmanagerUrl?: string;
  /** History written into the TSDB before start (OpenMetrics text with timestamps, via promtool). */
  backfill?: string;
}

/** A real Prometheus on a free loopback port (1 s scrapes and rule evaluations unless told), alerts resent every second. */
export async function startPrometheus(opts: PrometheusOptions): Promise<LocalServer> {
  await mkdir(opts.dir, { recursive: true });
  const config = join(opts.dir, 'prometheus.yml');
  const rules = join(opts.dir, 'rules.yml');
  if (opts.rules) await writeFile(rules, opts.rules);
  if (opts.backfill) {
    const history = join(opts.dir, 'history.om');
    await writeFile(history, opts.backfill);
    await run(promtoolPath, [
      'tsdb',
      'create-blocks-from',
      'openmetrics',
      history,
      join(opts.dir, 'data'),
    ]);
  }
  await writeFile(
    config,
    JSON.stringify({
      global: {
        scrape_interval: `${opts.intervalSeconds ?? 1}s`,
        evaluation_interval: `${opts.intervalSeconds ?? 1}s`,
      },
      ...(opts.rules ? { rule_files: [rules] } : {}),
      ...(opts.alertmanagerUrl
        ? {
            alerting: {
              alertmanagers: [
                { static_configs: [{ targets: [new URL(opts.alertmanagerUrl).host] }] },
              ],
            },
          }
        : {}),
      scrape_configs: Object.entries(opts.scrape).map(([job, targets]) => ({
        job_name: job,
        ...(opts.honorLabels && { honor_labels: true }),
        static_configs: [{ targets }],
      })),
    }),
  );
  return startServer('prometheus', prometheusPath, (port) => [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(opts.dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--rules.alert.resend-delay=1s',
  ]);
}

export interface AlertmanagerOptions {
  dir: string;
  webhookUrl: string;
  bearerToken?: string;
  /** Alertmanager's route timings (default: every group sent within a second). */
  route?: { groupWait: string; groupInterval: string; repeatInterval: string };
}

/** A real Alertmanager on a free loopback port sending every group to one webhook. */
export async function startAlertmanager(opts: AlertmanagerOptions): Promise<LocalServer> {
  await mkdir(opts.dir, { recursive: true });
  const config = join(opts.dir, 'alertmanager.yml');
  await writeFile(
    config,
    JSON.stringify({
      route: {
        receiver: 'aiops',
        group_by: ['alertname', 'service'],
        group_wait: opts.route?.groupWait ?? '1s',
        group_interval: opts.route?.groupInterval ?? '1s',
        repeat_interval: opts.route?.repeatInterval ?? '1m',
      },
      receivers: [
        {
          name: 'aiops',
          webhook_configs: [
            {
              url: opts.webhookUrl,
              send_resolved: true,
              ...(opts.bearerToken
                ? { http_config: { authorization: { credentials: opts.bearerToken } } }
                : {}),
            },
          ],
        },
      ],
    }),
  );
  return startServer('alertmanager', alertmanagerPath, (port) => [
    `--config.file=${config}`,
    `--storage.path=${join(opts.dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
  ]);
}
