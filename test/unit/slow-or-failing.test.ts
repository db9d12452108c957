import { describe, expect, it } from 'vitest';
import {
  currentSlowOrFailing,
  slowOrFailingAt,
  withCandidates,
  type SlowOrFailing,
} from '../../detectors/slow-or-failing';
import type { Anomaly, IncidentCandidate } from '../../workflows/incident/types';

const t0 = Date.UTC(2026, 0, 1);
const anomaly = (service: string, signal: Anomaly['signal'], s: number): Anomaly => ({
  seriesKey: `svc:${service}:${signal}`,
  service,
  signal,
  score: 0.95,
  value: 1,
  at: new Date(t0 + s * 1000).toISOString(),
});
const candidate = (fingerprint: string, anomalies: Anomaly[]): IncidentCandidate => ({
  fingerprint,
  service: anomalies[0]!.service,
  services: [...new Set(anomalies.map((a) => a.service))],
  anomalies,
  observedAt: anomalies[0]!.at,
});
const inCalls = (a: Anomaly) => a.signal === 'latency' || a.signal === 'errors';

describe("where an open incident's evidence shows slow or failing calls", () => {
  it('keeps the newest bucket of slow or failing calls per incident and service', () => {
    const kept: SlowOrFailing[] = [['db', 'db', t0]];
    const now = withCandidates(
      kept,
      [
        candidate('db', [anomaly('db', 'latency', 10), anomaly('db', 'logs', 20)]),
        candidate('db', [anomaly('cart', 'errors', 20)]),
        candidate('ads', [anomaly('ads', 'saturation', 20), anomaly('ads', 'logs', 20)]),
      ],
      inCalls,
    );
    expect(now).toEqual([
      ['db', 'db', t0 + 10_000],
      ['db', 'cart', t0 + 20_000],
    ]);
    expect(slowOrFailingAt(now, 'db')).toEqual(['db', 'cart']);
    expect(slowOrFailingAt(now, 'ads')).toEqual([]);
  });

  it('forgets incidents no longer open and symptoms that have passed', () => {
    const kept: SlowOrFailing[] = [
      ['db', 'db', t0],
      ['db', 'cart', t0 + 30_000],
      ['ads', 'ads', t0 + 30_000],
    ];
    expect(currentSlowOrFailing(kept, new Set(['db']), t0 + 10_000)).toEqual([
      ['db', 'cart', t0 + 30_000],
    ]);
  });
});
