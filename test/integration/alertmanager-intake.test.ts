import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDetectionActivities, type DetectionPassResult } from '../../activities/detection';
import { startReceivers, type RunningReceivers } from '../../ingest/receivers';
import { tokenDigest } from '../../worker/approver-identities';
import { loadConfig } from '../../worker/config';
import { freePort } from '../../worker/stack/ports';
import { incidentState } from '../../workflows/incident/messages';
import { createIsolatedDatabase } from '../setup/database';
import { startAlertmanager, startPrometheus, type LocalServer } from '../setup/prometheus';
import { connectTemporal, type TemporalTestEnv } from '../setup/temporal';

const run = randomUUID().slice(0, 8);
/** The scrape job's name is the service (the default rules map `job` when nothing nearer is). */
const service = `shop-${run}`;
const token = `tok-${run}`;

/**
 * Real Prometheus scrapes a target whose error ratio we set and fires a rule; real Alertmanager
 * sends the alert to our receiver with a bearer token; the detection pass turns the firing alert
 * into an incident, records its resolution, and a quick re-fire (flapping) opens nothing new.
 */
describe('alert intake: Prometheus rule → Alertmanager → receiver → incident', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let env: TemporalTestEnv;
  let receivers: RunningReceivers;
  let target: Server;
  let prometheus: LocalServer;
  let alertmanager: LocalServer;
  let errorRatio = 0;

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    env = await connectTemporal();
    const config = loadConfig({
      AIOPS_OTLP_GRPC_PORT: String(await freePort()),
      AIOPS_OTLP_HTTP_PORT: String(await freePort()),
      AIOPS_OTLP_TOKENS: JSON.stringify({ [tokenDigest(token).toString('hex')]: 'team-a' }),
    });
    receivers = await startReceivers({ config, pool: db.pool });
    target = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE app_error_ratio gauge\napp_error_ratio ${errorRatio}\n`);
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const targetPort = (target.address() as { port: number }).port;
    const dir = join(inject('workDir'), `prometheus-${run}`);
    alertmanager = await startAlertmanager({
      dir: join(dir, 'alertmanager'),
      webhookUrl: `http://127.0.0.1:${receivers.httpPort}/v1/alerts/alertmanager`,
      bearerToken: token,
    });
    prometheus = await startPrometheus({
      dir: join(dir, 'prometheus'),
      scrape: { [service]: [`127.0.0.1:${targetPort}`] },
      alertmanagerUrl: alertmanager.url,
      rules: JSON.stringify({
        groups: [
          {
            name: 'shop',
            rules: [
              {
                alert: 'HighErrorRatio',
                expr: 'app_error_ratio > 0.5',
                labels: { severity: 'critical' },
                annotations: { summary: 'more than half the requests fail' },
              },
            ],
          },
        ],
      }),
    });
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    target?.close();
    await receivers?.stop();
    await env?.close();
    await db?.drop();
  });

  async function alertRow() {
    const { rows } = await db.pool.query<{
      tenant: string;
      service: string;
      status: string;
      episodes: number;
      alertname: string;
      severity: string;
    }>('SELECT tenant, service, status, episodes, alertname, severity FROM alert');
    return rows;
  }

  let pass = 0;
  async function detect(activities: ReturnType<typeof createDetectionActivities>) {
    const mock = new MockActivityEnvironment({
      workflowExecution: { workflowId: 'detection', runId: `pass-${run}-${pass++}` },
    });
    return (await mock.run(activities.runDetectionPass)) as DetectionPassResult;
  }

  it('opens an incident for a firing alert, records its resolution, and a flap reopens nothing', async () => {
    const deps = {
      pool: db.pool,
      client: env.client,
      detection: {
        graceSeconds: 0,
        maxWindowSeconds: 300,
        threshold: 0.9,
        incidentTaskQueue: env.taskQueue,
        quietPeriodSeconds: 30,
        faultEvidenceSeconds: 0,
        alertFlapSeconds: 600,
      },
    };
    const activities = createDetectionActivities(deps);
    // A first pass with nothing firing sets the window's start.
    expect((await detect(activities)).candidates).toEqual([]);

    errorRatio = 0.9;
    expect(await waitFor(async () => (await alertRow())[0]?.status === 'firing')).toBe(true);
    expect(await alertRow()).toEqual([
      {
        tenant: 'team-a',
        service,
        status: 'firing',
        episodes: 1,
        alertname: 'HighErrorRatio',
        severity: 'critical',
      },
    ]);
    const bucket = () => new Promise((r) => setTimeout(r, 10_000)); // a pass scores whole buckets
    await bucket();
    const opened = await detect(activities);
    expect(opened.candidates.map((c) => [c.fingerprint, c.service])).toEqual([[service, service]]);
    expect(opened.candidates[0]!.anomalies[0]).toMatchObject({
      signal: 'alert',
      operation: 'HighErrorRatio',
    });

    await env.withWorker(deps, async () => {
      const [incidentId] = await activities.openOrAttachIncidents(opened.candidates);
      const incident = env.client.workflow.getHandle(incidentId!);
      const first = await incident.query(incidentState);
      expect(first).toMatchObject({ service, severity: 'critical', status: 'open' });

      // Alertmanager resends the firing group: the same episode opens nothing more, and backs
      // the incident, so it stays open while the alert fires.
      await bucket();
      const repeat = await detect(activities);
      expect(repeat.candidates.map((c) => c.fingerprint)).toEqual([service]);
      expect(repeat.candidates[0]!.anomalies.every((a) => a.seriesKey.endsWith(':backing'))).toBe(
        true,
      );
      await activities.openOrAttachIncidents(repeat.candidates);
      expect((await alertRow())[0]!.episodes, 'a repeated notice is the same episode').toBe(1);
      expect(
        await waitFor(async () => (await incident.query(incidentState)).anomalyCount > 1),
      ).toBe(true);

      errorRatio = 0;
      expect(await waitFor(async () => (await alertRow())[0]?.status === 'resolved')).toBe(true);
      expect((await incident.result()).status).toBe('resolved');

      // Back within the flap window: a new episode, but it opens no incident again. (For 30 s
      // of telemetry time after a pass reports an incident, detection treats it as open even if
      // not yet written, so a candidate could still attach then; a pass's window ends 10–20 s
      // behind the clock: wait that out.)
      await new Promise((r) =>
        setTimeout(r, Math.max(0, Date.parse(repeat.windowEnd) + 51_000 - Date.now())),
      );
      errorRatio = 0.9;
      expect(
        await waitFor(async () => {
          const [row] = await alertRow();
          return row?.status === 'firing' && row.episodes === 2;
        }),
      ).toBe(true);
      await bucket();
      const flapped = await detect(activities);
      expect(flapped.anomalies).toBeGreaterThan(0);
      expect(flapped.candidates).toEqual([]);
    });
  }, 180_000);

  it('refuses alerts without the token, and a malformed body with the reason', async () => {
    const url = `http://127.0.0.1:${receivers.httpPort}/v1/alerts`;
    const post = (body: string, auth = `Bearer ${token}`) =>
      fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: auth },
        body,
      });
    expect((await post('{"alerts":[]}', 'Bearer wrong')).status).toBe(401);
    const bad = await post('{"alerts":[{"labels":{}}]}');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/alerts\.0\.labels/);
    const ok = await post(
      JSON.stringify({ alerts: [{ labels: { alertname: 'DiskFull', host: 'db-1' } }] }),
    );
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ received: 1, new: 1, unmapped: [expect.any(String)] });
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 45_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
