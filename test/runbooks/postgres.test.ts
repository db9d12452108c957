import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createInvestigationActivities } from '../../activities/investigation';
import type { PostgresSettings } from '../../activities/postgres';
import { createSlackClient } from '../../activities/slack';
import type { HealthSource } from '../../activities/health';
import { approveUpdate, runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookWorkflow } from '../../runbooks/sdk/runbook';
import type { RunbookInput, ServiceHealth } from '../../runbooks/sdk/types';
import { verdictOf } from '../../runbooks/sdk/verify';
import { TraceRequest } from '../../ingest/otlp';
import { startReceivers, type RunningReceivers } from '../../ingest/receivers';
import { createPool, type Pool } from '../../store/db';
import { loadConfig } from '../../worker/config';
import { freePort } from '../../worker/stack/ports';
import { chooseRunbook } from '../../workflows/incident/choose-runbook';
import { startSlackStandin, type SlackStandin } from '../fixtures/slack-standin/server';
import { connectTemporal, type TemporalTestEnv } from '../setup/temporal';
import {
  awaitingApproval,
  incidentId,
  signedAnswer,
  startRunbookWorker,
  testPolicy,
  waitForStatus,
  type RunningWorker,
} from './harness';

/**
 * The payment service's health as its users feel it: real payments against the real database,
 * each given 300 ms (a payment blocked behind a lock times out, as the service's would).
 */
class PaymentHealth implements HealthSource {
  constructor(private readonly url: string) {}
  async serviceHealth(service: string, since: Date): Promise<ServiceHealth> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'probe' });
    await client.connect();
    const latencies: number[] = [];
    let errors = 0;
    try {
      await client.query('SET statement_timeout = 300');
      for (let i = 0; i < 25; i++) {
        const started = performance.now();
        await client
          .query('UPDATE accounts SET balance = balance - 1 WHERE id = 2')
          .catch(() => errors++);
        latencies.push(performance.now() - started);
      }
    } finally {
      await client.end();
    }
    latencies.sort((a, b) => a - b);
    return {
      service,
      requests: latencies.length,
      errorRate: errors / latencies.length,
      p95LatencyMs: latencies[Math.floor(latencies.length * 0.95)] ?? 0,
      from: since.toISOString(),
      to: new Date().toISOString(),
    };
  }
}

const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });

/**
 * `service`'s PostgreSQL client spans, as an OTel SDK's pg instrumentation reports them:
 * `count` calls to `dbName` on 127.0.0.1 starting `agoMs` before now, each `durationMs` long.
 */
function databaseCalls(
  service: string,
  dbName: string,
  o: { count: number; agoMs: number; durationMs: number },
) {
  const spans = Array.from({ length: o.count }, (_, i) => {
    const start = (Date.now() - o.agoMs + i * 1_000) * 1e6;
    return {
      traceId: randomBytes(16),
      spanId: randomBytes(8),
      name: 'UPDATE accounts',
      kind: 3,
      startTimeUnixNano: start,
      endTimeUnixNano: start + o.durationMs * 1e6,
      attributes: [
        kv('db.system', 'postgresql'),
        kv('db.namespace', dbName),
        kv('server.address', '127.0.0.1'),
      ],
    };
  });
  return TraceRequest.encode({
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', service), kv('host.name', 'pay-1')] },
        scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-pg' }, spans }],
      },
    ],
  }).finish();
}

/** The source design's worked example: a payment service slowed by a blocking query. */
describe('slow-query case end to end on a real PostgreSQL', () => {
  let env: TemporalTestEnv;
  let pool: Pool;
  let slack: SlackStandin;
  let worker: RunningWorker;
  let paymentsUrl: string;
  let receivers: RunningReceivers;
  let postgres: PostgresSettings;
  const database = `payments_${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    [env, slack] = await Promise.all([connectTemporal(), startSlackStandin()]);
    pool = createPool(inject('databaseUrl'));
    await pool.query(`CREATE DATABASE ${database}`);
    const url = new URL(inject('databaseUrl'));
    url.pathname = `/${database}`;
    paymentsUrl = url.toString();
    const setup = new pg.Client({ connectionString: paymentsUrl });
    await setup.connect();
    await setup.query(
      'CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL); INSERT INTO accounts SELECT g, 1000000 FROM generate_series(1, 1000) g',
    );
    await setup.end();
    postgres = { databases: { payments: paymentsUrl } };
    const config = loadConfig({
      AIOPS_OTLP_GRPC_PORT: String(await freePort()),
      AIOPS_OTLP_HTTP_PORT: String(await freePort()),
    });
    receivers = await startReceivers({ config, pool });
    worker = await startRunbookWorker({
      taskQueue: env.taskQueue,
      deps: {
        pool,
        postgres,
        slack: { client: createSlackClient('xoxb-test', slack.apiUrl), channel: 'C0INCIDENTS' },
        health: new PaymentHealth(paymentsUrl),
        approvalPolicy: testPolicy,
      },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await receivers?.stop();
    await slack?.close();
    await pool?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await pool?.end();
    await env?.close();
  });

  it('a blocking query → incident → approval showing query and plan → cancel → verified', async () => {
    // A batch job's statement holds account 2's row lock for ten minutes.
    const batch = new pg.Client({ connectionString: paymentsUrl, application_name: 'batch-job' });
    await batch.connect();
    const blocking = batch.query(
      'WITH touched AS (UPDATE accounts SET balance = balance WHERE id = 2 RETURNING id) SELECT pg_sleep(600) FROM touched',
    );
    const batchOutcome = blocking.then(
      () => 'finished',
      (err: Error) => err.message,
    );
    // A payment queues behind it.
    const payment = new pg.Client({
      connectionString: paymentsUrl,
      application_name: 'payment-service',
    });
    await payment.connect();
    await new Promise((r) => setTimeout(r, 300));
    const paid = payment.query('UPDATE accounts SET balance = balance - 5 WHERE id = 2');

    // The incident as the engine sees it: payments slow (measured), the database its dependency.
    const health = new PaymentHealth(paymentsUrl);
    const before = verdictOf(await health.serviceHealth('payment-service', new Date()), {});
    expect(before.kind).toBe('not_recovered');

    // Where to act, as the incident workflow resolves it: the service's telemetry says its
    // PostgreSQL calls to this database were fast half an hour ago and are slow now.
    const service = `payment-service-${randomBytes(3).toString('hex')}`;
    const { resolveRemediationTarget } = createInvestigationActivities({ pool, postgres });
    const send = async (body: Uint8Array) => {
      const res = await fetch(`http://127.0.0.1:${receivers.httpPort}/v1/traces`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/x-protobuf' },
      });
      expect(res.status).toBe(200);
    };
    const stored = async (count: number) => {
      for (let i = 0; i < 100; i++) {
        const { rows } = await pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM spans sp JOIN services s ON s.id = sp.service_id WHERE s.name = $1`,
          [service],
        );
        if (Number(rows[0]?.n) >= count) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`spans of ${service} not stored`);
    };
    await send(databaseCalls(service, database, { count: 6, agoMs: 30 * 60_000, durationMs: 4 }));
    await stored(6);
    // Calls as fast as ever name no database: the fault is not there.
    expect(await resolveRemediationTarget(service)).toEqual({ host: 'pay-1', unit: service });
    await send(databaseCalls(service, database, { count: 6, agoMs: 60_000, durationMs: 300 }));
    await stored(12);
    const target = await resolveRemediationTarget(service);
    expect(target).toMatchObject({ host: 'pay-1', database: 'payments' });

    const id = incidentId('slow-query');
    const input: RunbookInput = {
      incidentId: id,
      service,
      ...target,
      rootCause: { service, kind: 'latency', score: 0.93 },
      summary: 'payment p95 latency up 40x',
    };
    // The host's unit would fit a latency fault too; the database is where it shows.
    const choice = chooseRunbook(input, undefined, null);
    expect(choice.entry.name).toBe('pg-cancel-slow-query');
    expect(choice.reason).toMatch(/PostgreSQL calls to payments/);

    const handle = await env.client.workflow.start<RunbookWorkflow>(choice.entry.workflowType, {
      taskQueue: env.taskQueue,
      workflowId: runbookWorkflowId(id),
      args: [input],
    });
    await waitForStatus(handle, awaitingApproval);
    // The approver sees the query text and its plan before anything is stopped.
    const request = await slack.waitFor('chat.postMessage', (a) =>
      JSON.stringify(a.blocks ?? '').includes(id),
    );
    const shown = JSON.stringify(request.args.blocks);
    expect(shown).toContain('pg_sleep(600)');
    expect(shown).toMatch(/Update on accounts/);
    expect(shown).toMatch(/blocking 1/);
    expect(await Promise.race([batchOutcome, Promise.resolve('still running')])).toBe(
      'still running',
    );

    await handle.executeUpdate(
      approveUpdate,
      await signedAnswer(handle, { decision: 'approve', approver: 'alice' }),
    );
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    expect(result.steps.map((s) => s.name)).toEqual(['cancel-queries']);
    expect(result.steps[0]?.summary).toMatch(/^cancelled the query of pid \d+ on payments$/);
    expect(await batchOutcome).toBe('canceling statement due to user request');
    expect((await paid).rowCount).toBe(1);
    await Promise.all([batch.end(), payment.end()]);
  });
});
