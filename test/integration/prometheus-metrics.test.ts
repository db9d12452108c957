import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDetectionActivities, type DetectionPassResult } from '../../activities/detection';
import { rankWindow } from '../../activities/investigation';
import { serviceMapper } from '../../ingest/alert-service';
import { defaultServiceLabelRules } from '../../integrations/config';
import { prometheusClient, PrometheusQueryError } from '../../integrations/prometheus/client';
import { prometheusSource, type MetricsSource } from '../../integrations/prometheus/source';
import { createIsolatedDatabase } from '../setup/database';
import { startPrometheus, type LocalServer } from '../setup/prometheus';

const run = randomUUID().slice(0, 8);
const leaking = `cart-${run}`;
const steady = `catalog-${run}`;
const bucketMs = 10_000;
const mb = 1e6;

/** Memory of each service at a time: steady with a little wobble; the leak climbs at the end. */
function memory(service: string, atMs: number, faultFrom: number): number {
  const wobble = ((Math.floor(atMs / bucketMs) * 7919) % 13) * 0.2 * mb;
  const leak = service === leaking && atMs >= faultFrom ? ((atMs - faultFrom) / 1000) * 2 * mb : 0;
  return 100 * mb + wobble + leak;
}

/**
 * A real Prometheus with 40 minutes of history (written by promtool) scraping a live target: the
 * investigation reads the services' series by PromQL range queries, and a configured expression
 * is scored by the detection pass like the metrics in our store.
 */
describe('Prometheus as a metrics source', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let target: Server;
  let prometheus: LocalServer;
  let source: MetricsSource;
  const start = Date.now();
  const faultFrom = Math.floor(start / bucketMs) * bucketMs - 90_000;
  const historyFrom = faultFrom - 40 * 60_000;

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    const line = (service: string, at: number) =>
      `app_memory_bytes{service="${service}"} ${memory(service, at, faultFrom)}`;
    target = createServer((_req, res) => {
      const now = Date.now();
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE app_memory_bytes gauge\n${line(leaking, now)}\n${line(steady, now)}\n`);
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const history: string[] = ['# TYPE app_memory_bytes gauge'];
    for (let at = historyFrom; at < start - 5_000; at += bucketMs)
      for (const s of [leaking, steady]) history.push(`${line(s, at)} ${at / 1000}`);
    history.push('# EOF', '');
    prometheus = await startPrometheus({
      dir: join(inject('workDir'), `prometheus-metrics-${run}`),
      scrape: { app: [`127.0.0.1:${(target.address() as { port: number }).port}`] },
      backfill: history.join('\n'),
    });
    source = prometheusSource(prometheusClient(prometheus.url), {
      evidenceQueries: [{ name: 'app_memory_bytes', query: 'app_memory_bytes' }],
      detectionQueries: [
        { name: 'app_memory_bytes', query: 'max by (service) (app_memory_bytes)' },
      ],
      serviceOf: serviceMapper(defaultServiceLabelRules),
      stepSeconds: bucketMs / 1000,
    });
    // The live scrape has begun once the newest sample is no older than a few seconds.
    for (let i = 0; i < 100; i++) {
      const points = await source.evidence(new Date(Date.now() - 5_000), new Date());
      if (points.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    target?.close();
    await db?.drop();
  });

  it("reads each service's series for the investigation, named by its labels", async () => {
    const points = await source.evidence(new Date(historyFrom), new Date());
    const services = new Set(points.map((p) => p.service));
    expect(services).toEqual(new Set([leaking, steady]));
    expect(points.every((p) => p.name === 'app_memory_bytes')).toBe(true);
    // 10 s steps over 40 minutes of history, per service.
    expect(points.filter((p) => p.service === steady).length).toBeGreaterThan(230);
  });

  it("adds Prometheus series to the investigation's telemetry, and their services to its candidates", async () => {
    const end = new Date(Math.floor(Date.now() / bucketMs) * bucketMs);
    const { telemetry, baselineStart, ranking } = await rankWindow(db.pool, {
      faultStart: new Date(faultFrom),
      end,
      baselineMs: 15 * 60_000,
      metrics: source,
    });
    const ofLeak = telemetry.metrics.filter((m) => m.service === leaking);
    expect(ofLeak.length).toBeGreaterThan(60);
    expect(
      Math.min(...ofLeak.map((m) => Number(m.timeUnixNano / 1_000_000n))),
    ).toBeGreaterThanOrEqual(baselineStart.getTime());
    const last = ofLeak.reduce((a, b) => (b.timeUnixNano > a.timeUnixNano ? b : a));
    expect(last.value).toBeGreaterThan(200 * mb);
    // No traces name either service: their series alone make them candidates.
    expect(ranking.map((c) => c.service).sort()).toEqual([leaking, steady].sort());
    expect(ranking[0]).toMatchObject({ service: leaking, kind: 'memory' });
  });

  it('scores a configured PromQL expression in the detection pass', async () => {
    await db.pool.query(
      `INSERT INTO detection_pass (pass_id, window_end, result) VALUES ('seed', $1, '{}')`,
      [new Date(historyFrom)],
    );
    const activities = createDetectionActivities({
      pool: db.pool,
      metrics: source,
      detection: {
        graceSeconds: 3,
        maxWindowSeconds: 3_600,
        threshold: 0.9,
        incidentTaskQueue: 'unused',
        quietPeriodSeconds: 60,
        faultEvidenceSeconds: 0,
      },
    });
    const env = new MockActivityEnvironment({
      workflowExecution: { workflowId: 'detection', runId: `prom-${run}` },
    });
    const pass = (await env.run(activities.runDetectionPass)) as DetectionPassResult;
    expect(pass.seriesScored).toBe(2);
    expect(pass.candidates.map((c) => c.service)).toEqual([leaking]);
    expect(pass.candidates[0]!.anomalies[0]!.seriesKey).toBe(`metric:${leaking}:app_memory_bytes`);
  });

  it('says what Prometheus refused in a bad query', async () => {
    await expect(
      prometheusClient(prometheus.url).queryRange(
        'rate(',
        new Date(start - 60_000),
        new Date(),
        10,
      ),
    ).rejects.toThrow(PrometheusQueryError);
  });
});
