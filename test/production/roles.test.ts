import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool, type Pool } from '../../store/db';
import { loadConfig } from '../../worker/config';
import { freePort } from '../../worker/stack/ports';
import { startSlackStandin, type SlackStandin } from '../fixtures/slack-standin/server';
import { assertBuilt, runOnce, startRole, type RoleProcess } from './role-process';

/**
 * Each production role from the compiled code (`node dist/worker/cli.js <role>`) against the
 * test stack: nothing local is started, every dependency is the configured one.
 */
// Each role is a Node process loading the engine; on a loaded 2-core machine that takes a while.
describe('production roles', { timeout: 240_000 }, () => {
  const prefix = `roles-${randomUUID().slice(0, 8)}`;
  let pool: Pool;
  let connection: Connection;
  let client: Client;
  let slack: SlackStandin;
  const running: RoleProcess[] = [];
  let baseEnv: Record<string, string>;

  beforeAll(async () => {
    assertBuilt();
    pool = createPool(inject('databaseUrl'), 2);
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection });
    slack = await startSlackStandin();
    baseEnv = {
      DATABASE_URL: inject('databaseUrl'),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      AIOPS_TASK_QUEUE_PREFIX: prefix,
      // Only the heartbeat fires during the test; detection and retention stay an hour away.
      AIOPS_HEARTBEAT_INTERVAL_SECONDS: '1',
      AIOPS_DETECTION_INTERVAL_SECONDS: '3600',
      AIOPS_LOG_LEVEL: 'info',
    };
  });

  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
    for (const id of Object.values(loadConfig({ AIOPS_TASK_QUEUE_PREFIX: prefix }).scheduleIds)) {
      await client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    }
    await slack?.close();
    await connection?.close();
    await pool?.end();
  });

  async function role(args: string[], env: Record<string, string> = {}) {
    const healthPort = await freePort();
    const proc = startRole(args, { ...baseEnv, AIOPS_HEALTH_PORT: String(healthPort), ...env });
    running.push(proc);
    await proc.waitForLine(/running; \/healthz/, 120_000);
    return { proc, health: `http://127.0.0.1:${healthPort}` };
  }

  it('setup is idempotent: migrations, search attributes and schedules, twice', async () => {
    const first = await runOnce(['setup'], baseEnv);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(`"scheduleId":"${prefix}-heartbeat","outcome":"(created|updated)"`),
    );
    const second = await runOnce(['setup'], baseEnv);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/search attributes already registered/);
    expect(second.stdout).toMatch(
      new RegExp(`"scheduleId":"${prefix}-heartbeat","outcome":"updated"`),
    );
  });

  it('worker polls only the queue groups given; its own spans and metrics reach the engine receiver', async () => {
    const since = new Date();
    const otlpHttpPort = await freePort();
    await role(['ingest'], {
      AIOPS_OTLP_HTTP_PORT: String(otlpHttpPort),
      AIOPS_OTLP_GRPC_PORT: String(await freePort()),
    });
    const { proc, health } = await role(['worker', '--queues', 'housekeeping'], {
      AIOPS_TELEMETRY_OTLP_ENDPOINT: `http://127.0.0.1:${otlpHttpPort}`,
      AIOPS_TELEMETRY_INTERVAL_MS: '500',
    });
    expect(proc.output()).toContain(`${prefix}-housekeeping`);
    expect(proc.output()).not.toContain(`${prefix}-detection`);
    const handle = client.schedule.getHandle(`${prefix}-heartbeat`);
    await expect
      .poll(async () => (await handle.describe()).info.recentActions.length, { timeout: 60_000 })
      .toBeGreaterThan(0);
    const action = (await handle.describe()).info.recentActions[0]!.action;
    await client.workflow.getHandle(action.workflow.workflowId).result();
    expect((await fetch(`${health}/healthz`)).status).toBe(200);
    expect((await fetch(`${health}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${health}/metrics`)).text();
    expect(metrics).toMatch(
      /aiops_activity_duration_count\{activity="recordHeartbeat",outcome="completed"/,
    );
    // Temporal's interceptors traced the workflow (through the sandbox sink) and the activity.
    // Names of what the engine itself sent: operations of its spans, metrics of its points.
    const engineNames =
      (rows: 'spans' | 'metric_points', names: 'operations' | 'metrics', time: string) =>
      async () =>
        (
          await pool.query<{ name: string }>(
            `SELECT DISTINCT n.name FROM ${rows} t
               JOIN services v ON v.id = t.service_id
               JOIN ${names} n ON n.id = t.${names === 'operations' ? 'operation_id' : 'metric_id'}
              WHERE v.name = 'aiops-engine' AND t.${time} >= $1`,
            [since],
          )
        ).rows.map((r) => r.name);
    await expect
      .poll(engineNames('spans', 'operations', 'start_time'), { timeout: 60_000, interval: 1000 })
      .toEqual(
        expect.arrayContaining(['RunWorkflow:heartbeatWorkflow', 'RunActivity:recordHeartbeat']),
      );
    await expect
      .poll(engineNames('metric_points', 'metrics', 'time'), { timeout: 30_000, interval: 1000 })
      .toEqual(expect.arrayContaining(['aiops.activity.duration']));
  });

  it('worker refuses an unknown queue group with a clear error', async () => {
    const result = await runOnce(['worker', '--queues', 'detection,nonsense'], baseEnv);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown queue group\(s\) nonsense; choose from detection/);
  });

  it('ingest accepts OTLP and reports it on /metrics; /readyz follows PostgreSQL', async () => {
    const httpPort = await freePort();
    const { health } = await role(['ingest'], {
      AIOPS_OTLP_HTTP_PORT: String(httpPort),
      AIOPS_OTLP_GRPC_PORT: String(await freePort()),
    });
    const now = BigInt(Date.now()) * 1_000_000n;
    const res = await fetch(`http://127.0.0.1:${httpPort}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: prefix } }] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '5b8efff798038103d269b633813fc60c',
                    spanId: 'eee19b7ec3c1b174',
                    name: 'GET /',
                    kind: 2,
                    startTimeUnixNano: String(now - 5_000_000n),
                    endTimeUnixNano: String(now),
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    expect((await fetch(`${health}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${health}/metrics`)).text();
    expect(metrics).toMatch(/aiops_ingest_requests_total\{[^}]*signal="traces"[^}]*\} 1/);
    expect(metrics).toMatch(/aiops_ingest_flush_duration_count\{outcome="ok"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/aiops_ingest_queue_bytes\{[^}]*\} \d+/);
  });

  it('gateway answers Slack interactions, /approvals and its probes', async () => {
    const slackPort = await freePort();
    const { health } = await role(['gateway'], {
      AIOPS_SLACK_BOT_TOKEN: 'xoxb-test',
      AIOPS_SLACK_CHANNEL: 'C0TEST',
      AIOPS_SLACK_SIGNING_SECRET: 'secret',
      AIOPS_SLACK_API_URL: slack.apiUrl,
      AIOPS_GATEWAY_PORT: String(slackPort),
      AIOPS_APPROVAL_KEY_FILE: join(tmpdir(), `${prefix}-authority.pem`),
    });
    expect((await fetch(`${health}/healthz`)).status).toBe(200);
    expect((await fetch(`${health}/readyz`)).status).toBe(200);
    // An unsigned request is refused by Bolt: the gateway is listening and checking.
    const unsigned = await fetch(`http://127.0.0.1:${slackPort}/slack/events`, {
      method: 'POST',
      body: 'payload=%7B%7D',
    });
    expect(unsigned.status).toBe(401);
    // `aiops approve` asks /approvals for a statement: only with a known approver token.
    const anonymous = await fetch(`http://127.0.0.1:${slackPort}/approvals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ incidentId: 'INC-0', decision: 'approve' }),
    });
    expect(anonymous.status).toBe(401);
  });

  it('gateway without Slack settings serves /approvals only', async () => {
    const gatewayPort = await freePort();
    const { health } = await role(['gateway'], {
      AIOPS_GATEWAY_PORT: String(gatewayPort),
      AIOPS_APPROVAL_KEY_FILE: join(tmpdir(), `${prefix}-authority-2.pem`),
    });
    expect((await fetch(`${health}/readyz`)).status).toBe(200);
    const slackEvents = await fetch(`http://127.0.0.1:${gatewayPort}/slack/events`, {
      method: 'POST',
      body: 'payload=%7B%7D',
    });
    expect(slackEvents.status).toBe(404);
    const anonymous = await fetch(`http://127.0.0.1:${gatewayPort}/approvals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ incidentId: 'INC-0', decision: 'approve' }),
    });
    expect(anonymous.status).toBe(401);
  });

  it('AIOPS_LOG_LEVEL=debug prints debug lines as JSON; info does not', async () => {
    const [atInfo, atDebug] = await Promise.all([
      role(['worker', '--queues', 'remediation']),
      role(['worker', '--queues', 'remediation'], { AIOPS_LOG_LEVEL: 'debug' }),
    ]);
    const levels = (out: string) =>
      out
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { level: string }).level);
    expect(levels(atDebug.proc.output())).toContain('debug');
    expect(levels(atInfo.proc.output())).not.toContain('debug');
    expect(levels(atInfo.proc.output())).toContain('info');
  });
});
