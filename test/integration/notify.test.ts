import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncidentActivities } from '../../activities/incidents';
import { createIncidentNotifier } from '../../activities/notify';
import { signatureHeader } from '../../activities/notify/webhook';
import { openIncident } from '../../workflows/incident/state';
import type { IncidentState } from '../../workflows/incident/types';
import { signalIncident } from '../../activities/incident-signal';
import { closeIncident, incidentState } from '../../workflows/incident/messages';
import { createIsolatedDatabase } from '../setup/database';
import { connectTemporal } from '../setup/temporal';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../pagerduty-standin/server';

const secret = 'whsec-test';
const routingKey = 'R0123456789abcdef0123456789abcde';

interface Delivery {
  signature: string | undefined;
  body: string;
}

/**
 * Incident changes reach a generic webhook (HMAC-signed) and PagerDuty's Events API v2 (a
 * stand-in speaking it: no PagerDuty account is reachable here), through the same activity that
 * records the incident, once per event, and survive a receiver's outage.
 */
describe('notifications out: signed webhook and PagerDuty Events API v2', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let pagerDuty: PagerDutyStandIn;
  let hook: Server;
  const deliveries: Delivery[] = [];
  let hookUrl = '';

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    pagerDuty = await startPagerDutyStandIn();
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        deliveries.push({
          signature: req.headers[signatureHeader.toLowerCase()] as string | undefined,
          body: Buffer.concat(chunks).toString(),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hooks/aiops`;
  });
  afterAll(async () => {
    hook?.close();
    await pagerDuty?.close();
    await db?.drop();
  });

  /** What a receiver does: recompute the HMAC over "<t>.<body>" and compare in constant time. */
  function verified(d: Delivery): boolean {
    const parts = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(d.signature ?? '');
    if (!parts) return false;
    const expected = createHmac('sha256', secret).update(`${parts[1]}.${d.body}`).digest();
    return timingSafeEqual(expected, Buffer.from(parts[2]!, 'hex'));
  }

  it('pages on open, acknowledges when remediating, resolves; the webhook hears every status', async () => {
    const logged: string[] = [];
    const notifier = createIncidentNotifier(
      db.pool,
      { webhook: { url: hookUrl, secret }, pagerDuty: { routingKey, url: pagerDuty.url } },
      (line) => logged.push(line),
    );
    const { recordIncident } = createIncidentActivities({ pool: db.pool, notifier });
    const id = `checkout-${randomUUID().slice(0, 8)}`;
    const opened: IncidentState = openIncident(
      id,
      {
        fingerprint: 'checkout',
        service: 'checkout',
        services: ['checkout', 'frontend'],
        anomalies: [
          {
            seriesKey: 'svc:checkout:errors',
            service: 'checkout',
            signal: 'errors',
            score: 0.999,
            value: 0.4,
            baseline: 0.01,
            at: '2026-01-01T00:00:00.000Z',
          },
        ],
        observedAt: '2026-01-01T00:00:00.000Z',
      },
      '2026-01-01T00:00:05.000Z',
    );

    await recordIncident(opened);
    await recordIncident(opened); // a retried activity: nothing is sent twice
    expect(pagerDuty.events.map((e) => [e.event_action, e.dedup_key])).toEqual([['trigger', id]]);
    expect(pagerDuty.events[0]).toMatchObject({
      routing_key: routingKey,
      payload: { severity: 'critical', source: 'checkout', component: 'checkout' },
    });
    expect(pagerDuty.alerts.get(id)).toBe('triggered');
    expect(deliveries).toHaveLength(1);
    expect(deliveries.every(verified)).toBe(true);
    expect(JSON.parse(deliveries[0]!.body)).toMatchObject({
      id: `${id}:open`,
      type: 'incident.open',
      incident: { incidentId: id, service: 'checkout', severity: 'critical' },
    });

    await recordIncident({ ...opened, status: 'awaiting_approval' });
    expect(pagerDuty.alerts.get(id), 'awaiting a person still pages').toBe('triggered');
    await recordIncident({ ...opened, status: 'remediating', runbook: 'restart-deployment' });
    expect(pagerDuty.alerts.get(id)).toBe('acknowledged');

    // PagerDuty is down when the incident resolves: the incident is recorded all the same, and
    // the resolve goes out with the next incident update once PagerDuty is back.
    pagerDuty.failWith = 503;
    await recordIncident({ ...opened, status: 'resolved', resolution: 'quiet' });
    expect(logged.join('\n')).toMatch(/pagerduty resolve .* 503/);
    const { rows } = await db.pool.query('SELECT status FROM incident WHERE incident_id = $1', [
      id,
    ]);
    expect(rows).toEqual([{ status: 'resolved' }]);
    expect(pagerDuty.alerts.get(id)).toBe('acknowledged');
    pagerDuty.failWith = undefined;
    await recordIncident({ ...opened, incidentId: `${id}-next` });
    expect(pagerDuty.alerts.get(id)).toBe('resolved');
    expect(pagerDuty.alerts.get(`${id}-next`)).toBe('triggered');

    expect(deliveries.map((d) => (JSON.parse(d.body) as { type: string }).type)).toEqual([
      'incident.open',
      'incident.awaiting_approval',
      'incident.remediating',
      'incident.resolved',
      'incident.open',
    ]);
    expect(deliveries.every(verified)).toBe(true);
  });

  it('retries an undelivered page with backoff in a workflow of its own, without another update', async () => {
    const env = await connectTemporal();
    try {
      const notifier = createIncidentNotifier(
        db.pool,
        { pagerDuty: { routingKey, url: pagerDuty.url } },
        () => undefined,
      );
      const fingerprint = `payments-${randomUUID().slice(0, 8)}`;
      pagerDuty.failWith = 503;
      await env.withWorker({ pool: db.pool, notifier }, async () => {
        const workflowId = await signalIncident(
          env.client,
          {
            fingerprint,
            service: 'payments',
            services: ['payments'],
            anomalies: [
              {
                seriesKey: 'svc:payments:errors',
                service: 'payments',
                signal: 'errors',
                score: 0.99,
                value: 0.3,
                baseline: 0.01,
                at: new Date().toISOString(),
              },
            ],
            observedAt: new Date().toISOString(),
          },
          { taskQueue: env.taskQueue, quietPeriodSeconds: 600 },
        );
        const incident = env.client.workflow.getHandle(workflowId);
        // PagerDuty is down while the incident opens and is investigated, then nothing changes.
        const investigated = (s: IncidentState) => s.summary !== undefined || !!s.notes?.length;
        // Investigated, and its last update recorded (the query sees a state before it is).
        const settled = async () =>
          investigated(await incident.query(incidentState)) &&
          !(await incident.describe()).raw.pendingActivities?.length;
        for (let i = 0; i < 150 && !(await settled()); i++)
          await new Promise((r) => setTimeout(r, 200));
        const state = await incident.query(incidentState);
        expect(state.status).toBe('open');
        expect(pagerDuty.alerts.has(state.incidentId)).toBe(false);
        pagerDuty.failWith = undefined;
        // Only the retry, with its backoff, can deliver the page now.
        const retry = env.client.workflow.getHandle(`notify-${state.incidentId}`);
        expect(await retry.result()).toEqual({ sent: 1 });
        expect(pagerDuty.alerts.get(state.incidentId)).toBe('triggered');
        const { rows } = await db.pool.query<{ attempts: number }>(
          `SELECT attempts FROM incident_notification WHERE incident_id = $1 AND sent_at IS NOT NULL`,
          [state.incidentId],
        );
        expect(rows[0]!.attempts).toBeGreaterThan(1);
        await incident.executeUpdate(closeIncident, { args: [{ by: 'test', reason: 'done' }] });
        await incident.result();
        expect(
          pagerDuty.events
            .filter((e) => e.dedup_key === state.incidentId)
            .map((e) => e.event_action),
        ).toEqual(['trigger', 'resolve']);
      });
    } finally {
      pagerDuty.failWith = undefined;
      await env.close();
    }
  }, 120_000);

  it('the stand-in refuses what PagerDuty refuses', async () => {
    const res = await fetch(pagerDuty.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ routing_key: 'short', event_action: 'resolve' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: string[] }).errors).toHaveLength(2);
  });
});
