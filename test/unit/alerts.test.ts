import { describe, expect, it } from 'vitest';
import { alertAnomalies, alertBacks, alertOpens } from '../../detectors/alert-anomalies';
import type { ScoredAlert } from '../../detectors/alert-anomalies';
import { labelFingerprint, parseAlerts } from '../../ingest/alert-payload';
import { serviceMapper } from '../../ingest/alert-service';
import { defaultServiceLabelRules } from '../../integrations/config';

const body = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('alert payloads', () => {
  it("reads Alertmanager's webhook (version 4), Go's zero end time as none", () => {
    const [a] = parseAlerts(
      body({
        version: '4',
        groupKey: '{}:{alertname="X"}',
        status: 'firing',
        receiver: 'aiops',
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://am',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'X', service: 'cart' },
            annotations: {},
            startsAt: '2026-01-01T00:00:00.000Z',
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: 'http://prom/graph',
            fingerprint: 'abc123',
          },
        ],
      }),
      'alertmanager',
    );
    expect(a).toMatchObject({ fingerprint: 'abc123', status: 'firing', endsAt: undefined });
    expect(a!.startsAt?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('names what is wrong in a bad body, and refuses another version', () => {
    expect(() => parseAlerts(Buffer.from('{'), 'webhook')).toThrow(/not valid JSON/);
    expect(() =>
      parseAlerts(body({ alerts: [{ status: 'on', labels: { a: 'b' } }] }), 'webhook'),
    ).toThrow(/alerts\.0\.status/);
    expect(() => parseAlerts(body({ version: '3', alerts: [] }), 'alertmanager')).toThrow(
      /version/,
    );
  });

  it('gives a generic alert without fingerprint one from its labels, whatever their order', () => {
    const [a] = parseAlerts(body({ alerts: [{ labels: { b: '2', a: '1' } }] }), 'webhook');
    expect(a!.fingerprint).toBe(labelFingerprint({ a: '1', b: '2' }));
    expect(a!.status).toBe('firing');
    expect(a!.startsAt).toBeUndefined();
  });
});

describe('alert labels → service', () => {
  const serviceOf = serviceMapper(defaultServiceLabelRules);
  it('takes the first rule that matches, in order', () => {
    expect(serviceOf({ service: 'cart', job: 'kubernetes-pods' })).toBe('cart');
    expect(serviceOf({ job: 'payments' })).toBe('payments');
  });
  it("derives a pod's workload from its name (Deployment or StatefulSet)", () => {
    expect(serviceOf({ namespace: 'shop', pod: 'checkout-7d9f8c6b5d-x2x9z' })).toBe('checkout');
    expect(serviceOf({ pod: 'redis-cart-0' })).toBe('redis-cart');
    expect(serviceOf({ pod: 'standalone' })).toBeUndefined();
  });
  it('uses configured rules with a capture group', () => {
    const custom = serviceMapper([{ label: 'instance', regex: '^([a-z]+)-\\d+:' }]);
    expect(custom({ instance: 'db-3:9100' })).toBe('db');
    expect(custom({ job: 'x' })).toBeUndefined();
  });
});

describe('alerts → anomalies', () => {
  const bucketMs = 10_000;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const alert = (over: Partial<ScoredAlert> = {}): ScoredAlert => ({
    tenant: '',
    fingerprint: 'f1',
    alertname: 'HighErrorRatio',
    service: 'cart',
    severity: 'warning',
    status: 'firing',
    startsAt: t0 + 3_000,
    episodes: 1,
    firedAt: t0 + 5_000,
    previousResolvedAt: undefined,
    ...over,
  });
  const scoring = { bucketMs, currentBucket: t0 + 60_000, flapMs: 600_000 };

  it('reports a new episode once, at its onset, as opening; then backs while it fires', () => {
    const first = alertAnomalies([alert()], [], scoring);
    expect(first.anomalies).toHaveLength(1);
    expect(first.anomalies[0]!.at).toBe(new Date(t0).toISOString());
    expect(alertOpens(first.anomalies[0]!)).toBe(true);
    const again = alertAnomalies([alert()], first.reported, scoring);
    expect(again.anomalies.map((a) => [alertBacks(a), a.at])).toEqual([
      [true, new Date(t0 + 60_000).toISOString()],
    ]);
    const resolved = alertAnomalies([alert({ status: 'resolved' })], first.reported, scoring);
    expect(resolved.anomalies).toEqual([]);
  });

  it('a re-fire within the flap window only backs; after it, it opens again', () => {
    const refire = (gapMs: number) =>
      alertAnomalies(
        [alert({ episodes: 2, firedAt: t0 + 5_000 + gapMs, previousResolvedAt: t0 + 5_000 })],
        ['|f1|1'],
        scoring,
      ).anomalies.map(alertOpens);
    expect(refire(120_000)).toEqual([false]);
    expect(refire(3_600_000)).toEqual([true]);
  });

  it('an informational alert backs but never opens; a critical one scores highest', () => {
    const [info] = alertAnomalies([alert({ severity: 'info' })], [], scoring).anomalies;
    expect(alertBacks(info!)).toBe(true);
    const [critical] = alertAnomalies([alert({ severity: 'critical' })], [], scoring).anomalies;
    expect(critical!.score).toBe(1);
  });

  it('forgets episodes no longer read (bounded state)', () => {
    expect(alertAnomalies([], ['|f1|1', '|f2|4'], scoring).reported).toEqual([]);
  });
});
