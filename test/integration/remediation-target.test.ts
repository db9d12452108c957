import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TraceRequest } from '../../ingest/otlp';
import { startReceivers, type RunningReceivers } from '../../ingest/receivers';
import { recordAlerts } from '../../store/alerts';
import { createPool, type Pool } from '../../store/db';
import { latestRemediationTarget } from '../../store/remediation-targets';
import { loadConfig } from '../../worker/config';
import { freePort } from '../../worker/stack/ports';

const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });

/**
 * One SERVER span per version of `service`, `agoMs` before now (the last version's a little
 * later), each from a pod of its Deployment running that version: one request, as a fleet of
 * mixed versions reports.
 */
function spansOf(service: string, versions: string[], agoMs: number) {
  return TraceRequest.encode({
    resourceSpans: versions.map((version, i) => {
      // Past 2^53 ns the number rounds by a few hundred ns: the spans are a second apart.
      const start = (Date.now() - agoMs + i * 1_000) * 1e6;
      return {
        resource: {
          attributes: [
            kv('service.name', service),
            kv('service.version', version),
            kv('k8s.namespace.name', 'shop'),
            kv('k8s.deployment.name', service),
            kv('k8s.pod.name', `${service}-${version}`),
          ],
        },
        scopeSpans: [
          {
            scope: { name: 'it' },
            spans: [
              {
                traceId: randomBytes(16),
                spanId: randomBytes(8),
                name: 'Get',
                kind: 2,
                startTimeUnixNano: start,
                endTimeUnixNano: start + 5e6,
              },
            ],
          },
        ],
      };
    }),
  }).finish();
}

describe('where to remediate, and what changed', () => {
  let pool: Pool;
  let receivers: RunningReceivers;
  let base: string;

  beforeAll(async () => {
    pool = createPool(inject('databaseUrl'));
    const config = loadConfig({
      AIOPS_OTLP_GRPC_PORT: String(await freePort()),
      AIOPS_OTLP_HTTP_PORT: String(await freePort()),
    });
    receivers = await startReceivers({ config, pool });
    base = `http://127.0.0.1:${receivers.httpPort}`;
  });
  afterAll(async () => {
    await receivers.stop();
    await pool.end();
  });

  async function send(body: Uint8Array) {
    const res = await fetch(`${base}/v1/traces`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/x-protobuf' },
    });
    expect(res.status).toBe(200);
  }

  it('names a version that replaced older ones just now, and forgets it once rolled back', async () => {
    const service = `it-rt-${randomUUID().slice(0, 8)}`;
    await send(spansOf(service, ['1.0.0', '1.2.0'], 30_000));
    // Versions seen from the start are the fleet as found, not a deploy.
    expect(await latestRemediationTarget(pool, service)).toEqual({
      namespace: 'shop',
      deployment: service,
    });

    await send(spansOf(service, ['1.0.0-hotfix.1', '1.2.0-hotfix.1'], 20_000));
    const deployed = await latestRemediationTarget(pool, service);
    expect(deployed).toMatchObject({ deployment: service });
    expect(deployed.recentDeploy?.version).toBe('1.2.0-hotfix.1');

    // Rolled back: the running versions are the old ones again, so nothing to roll back.
    await send(spansOf(service, ['1.0.0', '1.2.0'], 10_000));
    expect((await latestRemediationTarget(pool, service)).recentDeploy).toBeUndefined();
  });

  it('places a service known only by its alerts where their labels say, else nowhere', async () => {
    const service = `it-alerted-${randomUUID().slice(0, 8)}`;
    const alert = (labels: Record<string, string>) => ({
      tenant: '',
      source: 'alertmanager',
      fingerprint: randomUUID(),
      status: 'firing' as const,
      service,
      labels: { alertname: 'HighErrorRate', service, ...labels },
      annotations: {},
      startsAt: new Date(),
      endsAt: undefined,
      generatorUrl: undefined,
    });
    await recordAlerts(pool, [alert({})]);
    expect(await latestRemediationTarget(pool, service)).toEqual({});

    await recordAlerts(pool, [alert({ namespace: 'shop' })]);
    expect(await latestRemediationTarget(pool, service)).toEqual({
      namespace: 'shop',
      deployment: service,
    });

    await recordAlerts(pool, [alert({ namespace: 'shop', deployment: `${service}-v2` })]);
    expect(await latestRemediationTarget(pool, service)).toEqual({
      namespace: 'shop',
      deployment: `${service}-v2`,
    });
  });
});
