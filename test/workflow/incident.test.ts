import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client } from '@temporalio/client';
import { signalIncident } from '../../activities/incident-signal';
import { createPool, type Pool } from '../../store/db';
import { openIncidents } from '../../store/incidents';
import { closeIncident, incidentState } from '../../workflows/incident/messages';
import type { Anomaly, IncidentCandidate } from '../../workflows/incident/types';
import { connectTemporal, type TemporalTestEnv } from '../setup/temporal';

function candidate(fingerprint: string, anomalies: Partial<Anomaly>[]): IncidentCandidate {
  const full = anomalies.map((a, i) => ({
    seriesKey: `op:db:query:${i}`,
    service: 'db',
    signal: 'latency' as const,
    score: 0.97,
    value: 900,
    baseline: 20,
    at: new Date().toISOString(),
    ...a,
  }));
  return {
    fingerprint,
    service: 'db',
    services: [...new Set(full.map((a) => a.service))],
    anomalies: full,
    observedAt: new Date().toISOString(),
  };
}

describe('incident workflow', () => {
  let env: TemporalTestEnv;
  let pool: Pool;

  beforeAll(async () => {
    env = await connectTemporal();
    pool = createPool(inject('databaseUrl'));
  });
  afterAll(async () => {
    await pool.end();
    await env.close();
  });

  it('opens on the first anomalies, attaches repeats, and resolves itself when quiet', async () => {
    const fingerprint = `db-${randomUUID().slice(0, 8)}`;
    const opts = { taskQueue: env.taskQueue, quietPeriodSeconds: 3 };
    await env.withWorker({ pool }, async () => {
      const workflowId = await signalIncident(env.client, candidate(fingerprint, [{}, {}]), opts);
      const again = await signalIncident(
        env.client,
        candidate(fingerprint, [
          { service: 'cart', signal: 'errors', seriesKey: 'edge:cart>db:errors' },
        ]),
        opts,
      );
      expect(again).toBe(workflowId);
      const handle = env.client.workflow.getHandle(workflowId);
      const result = await handle.result();
      expect(result.status).toBe('resolved');
      expect(result.anomalyCount).toBe(3);
      expect(result.services).toEqual(['cart', 'db']);
      expect(result.severity).toBe('high');

      const described = await handle.describe();
      expect(described.typedSearchAttributes.get({ name: 'IncidentStatus', type: 'KEYWORD' })).toBe(
        'resolved',
      );
      expect(
        described.typedSearchAttributes.get({ name: 'IncidentService', type: 'KEYWORD' }),
      ).toBe('db');
      expect(
        described.typedSearchAttributes.get({ name: 'IncidentSeverity', type: 'KEYWORD' }),
      ).toBe('high');
      expect(await described.staticSummary()).toMatch(/Incident on db/);

      const { rows } = await pool.query(
        'SELECT status, anomaly_count, services FROM incident WHERE fingerprint = $1',
        [fingerprint],
      );
      expect(rows).toEqual([{ status: 'resolved', anomaly_count: 3, services: ['cart', 'db'] }]);
    });
  });

  it('reopens the incident its fault resolved moments ago, and opens a new one after the window', async () => {
    const fingerprint = `db-${randomUUID().slice(0, 8)}`;
    const opts = { taskQueue: env.taskQueue, quietPeriodSeconds: 2 };
    const incidents = () =>
      pool
        .query<{ incident_id: string; status: string; anomaly_count: number }>(
          'SELECT incident_id, status, anomaly_count FROM incident WHERE fingerprint = $1 ORDER BY opened_at',
          [fingerprint],
        )
        .then((r) => r.rows);
    await env.withWorker({ pool }, async () => {
      const handle = env.client.workflow.getHandle(
        await signalIncident(env.client, candidate(fingerprint, [{}, {}]), opts),
      );
      const first = await handle.result();
      expect(first.status).toBe('resolved');

      await signalIncident(env.client, candidate(fingerprint, [{}]), {
        ...opts,
        reopenSeconds: 120,
      });
      const reopened = await env.client.workflow.getHandle(handle.workflowId).result();
      expect(reopened.incidentId).toBe(first.incidentId);
      expect(reopened.openedAt).toBe(first.openedAt);
      expect(reopened.status).toBe('resolved');
      expect(reopened.notes?.some((n: string) => n.startsWith('reopened at'))).toBe(true);
      expect(await incidents()).toEqual([
        { incident_id: first.incidentId, status: 'resolved', anomaly_count: 3 },
      ]);

      await signalIncident(env.client, candidate(fingerprint, [{}]), {
        ...opts,
        reopenSeconds: 0,
      });
      const fresh = await env.client.workflow.getHandle(handle.workflowId).result();
      expect(fresh.incidentId).not.toBe(first.incidentId);
      expect((await incidents()).map((r) => r.incident_id)).toEqual([
        first.incidentId,
        fresh.incidentId,
      ]);
    });
  });

  it('resolves while gauges alone still trickle in, and opens nothing for them after', async () => {
    const fingerprint = `db-${randomUUID().slice(0, 8)}`;
    const opts = { taskQueue: env.taskQueue, quietPeriodSeconds: 2 };
    const gauges = (i: number): IncidentCandidate => ({
      ...candidate(fingerprint, [
        { seriesKey: 'metric:db:db.operation.duration.avg', signal: 'saturation' },
      ]),
      key: `gauge-${i}`,
      backsOnly: true,
    });
    await env.withWorker({ pool }, async () => {
      const workflowId = await signalIncident(env.client, candidate(fingerprint, [{}, {}]), opts);
      const handle = env.client.workflow.getHandle(workflowId);
      const { runId } = await handle.describe();
      // A settling gauge every 0.5 s until the incident has resolved, and three after: before
      // the rule it kept the incident open as long as it came. Bounded by time, not by a count
      // of gauges, so that a slow machine still sends some after the quiet period.
      const deadline = Date.now() + 60_000;
      let sent = 0;
      let sentWhenClosed: number | undefined;
      while (Date.now() < deadline && (sentWhenClosed === undefined || sent < sentWhenClosed + 3)) {
        await signalIncident(env.client, gauges(sent++), opts);
        await new Promise((r) => setTimeout(r, 500));
        if (sentWhenClosed === undefined && (await handle.describe()).status.name !== 'RUNNING')
          sentWhenClosed = sent;
      }
      const result = await handle.result();
      expect(result.status).toBe('resolved');
      expect(result.anomalyCount).toBeGreaterThan(2);
      expect(result.anomalyCount).toBeLessThan(2 + sent);
      // The gauges after it resolved started no new run.
      expect((await handle.describe()).runId).toBe(runId);
      const { rows } = await pool.query('SELECT 1 FROM incident WHERE fingerprint = $1', [
        fingerprint,
      ]);
      expect(rows).toHaveLength(1);
    });
  });

  it('attaches to an incident the store shows open without reading its last run', async () => {
    const fingerprint = `db-${randomUUID().slice(0, 8)}`;
    let describes = 0;
    const client = new Client({
      connection: env.client.connection,
      namespace: 'default',
      interceptors: {
        workflow: [
          {
            describe: (input, next) => {
              describes++;
              return next(input);
            },
          },
        ],
      },
    });
    const opts = { taskQueue: env.taskQueue, quietPeriodSeconds: 600 };
    await env.withWorker({ pool }, async () => {
      const workflowId = await signalIncident(client, candidate(fingerprint, [{}, {}]), opts);
      expect(describes).toBe(1);
      while (!(await openIncidents(pool)).some((o) => o.fingerprint === fingerprint))
        await new Promise((r) => setTimeout(r, 100));
      const openFingerprints = new Set((await openIncidents(pool)).map((o) => o.fingerprint));
      await signalIncident(client, candidate(fingerprint, [{}]), { ...opts, openFingerprints });
      expect(describes).toBe(1);
      const handle = env.client.workflow.getHandle(workflowId);
      let state = await handle.query(incidentState);
      while (state.anomalyCount < 3) {
        await new Promise((r) => setTimeout(r, 100));
        state = await handle.query(incidentState);
      }
      await handle.executeUpdate(closeIncident, { args: [{ by: 'test', reason: 'done' }] });
      expect((await handle.result()).anomalyCount).toBe(3);
    });
  });

  it('closes on an operator update and refuses one without a name', async () => {
    const fingerprint = `api-${randomUUID().slice(0, 8)}`;
    await env.withWorker({ pool }, async () => {
      const workflowId = await signalIncident(env.client, candidate(fingerprint, [{}]), {
        taskQueue: env.taskQueue,
        quietPeriodSeconds: 600,
      });
      const handle = env.client.workflow.getHandle(workflowId);
      const refused = await handle
        .executeUpdate(closeIncident, { args: [{ by: ' ', reason: 'x' }] })
        .catch((err: unknown) => err as Error & { cause?: Error });
      expect(refused).toBeInstanceOf(Error);
      expect((refused as Error & { cause?: Error }).cause?.message).toMatch(/name of who closes/);
      await handle.executeUpdate(closeIncident, { args: [{ by: 'alice', reason: 'false alarm' }] });
      const result = await handle.result();
      expect(result.status).toBe('closed');
      expect(result.resolution).toBe('closed by alice: false alarm');
    });
  });

  it('ranks root causes only once the first anomaly is faultEvidenceSeconds old', async () => {
    const fingerprint = `slow-${randomUUID().slice(0, 8)}`;
    await env.withWorker({ pool }, async () => {
      const opened = candidate(fingerprint, [{}]);
      const workflowId = await signalIncident(env.client, opened, {
        taskQueue: env.taskQueue,
        quietPeriodSeconds: 600,
        faultEvidenceSeconds: 2,
      });
      const handle = env.client.workflow.getHandle(workflowId);
      let state = await handle.query(incidentState).catch(() => undefined);
      while (!state?.investigationId) {
        await new Promise((r) => setTimeout(r, 100));
        state = await handle.query(incidentState).catch(() => undefined);
      }
      const investigation = env.client.workflow.getHandle(state.investigationId);
      let started = await investigation.describe().catch(() => undefined);
      while (!started) {
        await new Promise((r) => setTimeout(r, 100));
        started = await investigation.describe().catch(() => undefined);
      }
      const firstAnomaly = Date.parse(opened.anomalies[0]!.at);
      expect(started.startTime.getTime()).toBeGreaterThanOrEqual(firstAnomaly + 2_000);
      const history = await investigation.fetchHistory();
      const [input] = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
      const args = JSON.parse(Buffer.from(input!.data!).toString()) as { end: string };
      expect(Date.parse(args.end)).toBeGreaterThanOrEqual(firstAnomaly + 2_000);
      await handle.executeUpdate(closeIncident, { args: [{ by: 'test', reason: 'done' }] });
      await handle.result();
    });
  });

  it('continues as new when its history grows, keeping the incident state', async () => {
    const fingerprint = `noisy-${randomUUID().slice(0, 8)}`;
    await env.withWorker({ pool }, async () => {
      const workflowId = `incident-${fingerprint}`;
      await env.client.workflow.start('incidentWorkflow', {
        workflowId,
        taskQueue: env.taskQueue,
        args: [{ fingerprint, quietPeriodSeconds: 600, maxHistoryEvents: 20 }],
      });
      const handle = env.client.workflow.getHandle(workflowId);
      for (let i = 0; i < 15; i++) {
        await handle.signal('anomaliesObserved', candidate(fingerprint, [{ seriesKey: `s${i}` }]));
      }
      const firstRunId = (await handle.describe()).runId;
      const latest = env.client.workflow.getHandle(workflowId);
      const deadline = Date.now() + 30_000;
      let runId = firstRunId;
      let count = 0;
      // Keep signalling one at a time until the history budget forces a continue-as-new.
      for (let i = 15; runId === firstRunId && Date.now() < deadline; i++) {
        await handle.signal('anomaliesObserved', candidate(fingerprint, [{ seriesKey: `s${i}` }]));
        count = i + 1;
        await new Promise((r) => setTimeout(r, 100));
        runId = (await latest.describe()).runId;
      }
      expect(runId).not.toBe(firstRunId);
      let state = await latest.query(incidentState);
      while (state.anomalyCount < count && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        state = await latest.query(incidentState);
      }
      expect(state.anomalyCount).toBe(count);
      await latest.executeUpdate(closeIncident, { args: [{ by: 'test', reason: 'done' }] });
      expect((await latest.result()).anomalyCount).toBe(count);
    });
  });
});
