import { describe, expect, it } from 'vitest';
import {
  correlateAnomalies,
  type OpenIncidentRef,
  type ServiceEdge,
} from '../../detectors/correlation';
import {
  attachAnomalies,
  openIncident,
  quietSince,
  type KeepOpenRule,
} from '../../workflows/incident/state';
import type { Anomaly, IncidentCandidate, IncidentState } from '../../workflows/incident/types';

const t0 = Date.UTC(2026, 11, 4, 6, 0, 0);
const iso = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();

function anomaly(
  service: string,
  signal: Anomaly['signal'],
  bucketSecond: number,
  seriesKey = `svc:${service}:${signal}`,
): Anomaly {
  return {
    seriesKey,
    service,
    signal,
    score: 0.97,
    // Above its baseline: a gauge below it only supports (see the detection pass).
    value: 2,
    baseline: 1,
    at: iso(bucketSecond),
  };
}

/** A slow database's gauge, still flagged after its fault was cured. */
const gauge = (bucketSecond: number) =>
  anomaly('db', 'saturation', bucketSecond, 'metric:db:db.operation.duration.avg');

// frontend → cart → db, frontend → ads
const edges: ServiceEdge[] = [
  { caller: 'frontend', callee: 'cart' },
  { caller: 'cart', callee: 'db' },
  { caller: 'frontend', callee: 'ads' },
];

const sustainedOnly: KeepOpenRule = { sustainedOnly: true };
const everyAnomaly: KeepOpenRule = { sustainedOnly: false };

describe('what keeps an incident open', () => {
  const open: OpenIncidentRef[] = [
    { fingerprint: 'db', service: 'db', services: ['cart', 'db', 'frontend'] },
  ];

  it('marks a group of gauges alone, attached to an open incident, as backing it only', () => {
    const [c] = correlateAnomalies([gauge(0)], edges, open, iso(20));
    expect(c).toMatchObject({ fingerprint: 'db', backsOnly: true });
  });

  it('lets latency, errors or logs of the incident, or gauges that could open one, sustain it', () => {
    for (const anomalies of [
      [anomaly('db', 'latency', 0)],
      [anomaly('cart', 'errors', 0)],
      [anomaly('db', 'logs', 0)],
      [gauge(0), anomaly('db', 'latency', 0)],
      // The same gauge off in two buckets: enough to open an incident on its own.
      [gauge(0), gauge(10)],
    ]) {
      const [c] = correlateAnomalies(anomalies, edges, open, iso(30));
      expect(c?.fingerprint).toBe('db');
      expect(c?.backsOnly).toBeUndefined();
    }
  });

  it('does not count a backing-only report toward the quiet period; a sustaining one does', () => {
    const opened = openIncident(
      'db-1',
      report([anomaly('db', 'latency', 0)]),
      iso(20),
      sustainedOnly,
    );
    let state = opened;
    for (const s of [10, 20, 30]) {
      state = attachAnomalies(state, report([gauge(s)], true, `g${s}`), iso(s + 20), sustainedOnly);
    }
    expect(state.anomalyCount).toBe(4);
    expect(state.lastAnomalyAt).toBe(iso(30));
    expect(quietSince(state)).toBe(Date.parse(iso(20)));
    state = attachAnomalies(state, report([anomaly('db', 'latency', 40)]), iso(62), sustainedOnly);
    expect(quietSince(state)).toBe(Date.parse(iso(62)));
  });

  it('keeps the old rule for incidents from before it: every report restarts the quiet period', () => {
    const opened = openIncident('db-1', report([anomaly('db', 'latency', 0)]), iso(20));
    const state = attachAnomalies(opened, report([gauge(10)], true, 'g'), iso(30), everyAnomaly);
    expect(state.sustainedAt).toBeUndefined();
    expect(quietSince(state)).toBe(Date.parse(iso(30)));
  });
});

describe('an incident only gauges backed', () => {
  const gaugesOnly: OpenIncidentRef = {
    fingerprint: 'db',
    service: 'db',
    services: ['db'],
    openedAt: t0,
    gaugesOnly: true,
  };
  // Latency and errors at the database's caller, starting 10 s after that incident opened.
  const newFault = [anomaly('cart', 'latency', 10), anomaly('cart', 'errors', 10)];

  it('does not take a new fault whose requests could open an incident of its own', () => {
    const candidates = correlateAnomalies(newFault, edges, [gaugesOnly], iso(30));
    expect(candidates.map((c) => c.fingerprint)).toEqual(['cart']);
  });

  it('takes it when more than gauges backed it, and takes weak evidence either way', () => {
    const backed = { ...gaugesOnly, gaugesOnly: false };
    expect(correlateAnomalies(newFault, edges, [backed], iso(30))[0]?.fingerprint).toBe('db');
    const stray = [anomaly('cart', 'latency', 10)];
    expect(correlateAnomalies(stray, edges, [gaugesOnly], iso(30))[0]?.fingerprint).toBe('db');
  });
});

function report(anomalies: Anomaly[], backsOnly = false, key?: string): IncidentCandidate {
  const newest = anomalies
    .map((a) => a.at)
    .sort()
    .at(-1)!;
  return {
    ...(key !== undefined && { key }),
    fingerprint: 'db',
    service: 'db',
    services: [...new Set(anomalies.map((a) => a.service))],
    anomalies,
    observedAt: newest,
    ...(backsOnly && { backsOnly }),
  };
}

/**
 * Passes every 10 s, each reporting the bucket that ended 20 s before (the schedule's lag);
 * incidents follow the workflow's rules with a 45 s quiet period. Returns the fingerprints
 * opened, in order, and what each pass attached to.
 */
function timeline(
  buckets: Map<number, Anomaly[]>,
  rule: KeepOpenRule,
): { opened: string[]; attached: Map<number, string[]> } {
  const quietMs = 45_000;
  const incidents = new Map<string, IncidentState>();
  const opened: string[] = [];
  const attached = new Map<number, string[]>();
  const last = Math.max(...buckets.keys());
  for (let b = 0; b <= last; b += 10) {
    const now = t0 + (b + 20) * 1000;
    for (const [fingerprint, state] of incidents)
      if (now - quietSince(state) >= quietMs) incidents.delete(fingerprint);
    const open = [...incidents.values()].map((s) => ({
      fingerprint: s.fingerprint,
      service: s.service,
      services: s.services,
      openedAt: Date.parse(s.openedAt),
    }));
    const anomalies = buckets.get(b) ?? [];
    if (!anomalies.length) continue;
    for (const c of correlateAnomalies(anomalies, edges, open, iso(b + 20))) {
      const state = incidents.get(c.fingerprint);
      if (state) {
        incidents.set(c.fingerprint, attachAnomalies(state, c, iso(b + 20), rule));
        attached.set(b, [...(attached.get(b) ?? []), c.fingerprint]);
      } else if (!c.backsOnly) {
        incidents.set(c.fingerprint, openIncident(c.fingerprint, c, iso(b + 21), rule));
        opened.push(c.fingerprint);
      }
    }
  }
  return { opened, attached };
}

describe('a cured fault whose gauges settle slowly', () => {
  // A slow database (0–30 s), cured; its gauge stays flagged for three minutes; at 150 s a new
  // fault makes the frontend's calls to ads slow (two buckets of latency at the frontend,
  // which the database's incident lists among its services).
  const buckets = new Map<number, Anomaly[]>();
  for (let b = 0; b <= 30; b += 10)
    buckets.set(b, [
      anomaly('db', 'latency', b),
      anomaly('cart', 'latency', b),
      anomaly('frontend', 'latency', b),
      gauge(b),
    ]);
  for (let b = 40; b <= 210; b += 10) buckets.set(b, [gauge(b)]);
  for (const b of [150, 160]) {
    buckets.set(b, [
      ...buckets.get(b)!,
      anomaly('frontend', 'latency', b, 'edge:frontend>ads:p95'),
      anomaly('frontend', 'errors', b, 'edge:frontend>ads:errors'),
    ]);
  }

  it("resolves the cured fault's incident, and the new fault opens its own", () => {
    const { opened, attached } = timeline(buckets, sustainedOnly);
    expect(opened).toEqual(['db', 'frontend']);
    // The gauge backs the database's incident while it is open, then opens nothing.
    expect(attached.get(40)).toEqual(['db']);
    expect([...attached].filter(([b, to]) => b >= 100 && to.includes('db'))).toEqual([]);
  });

  it('(the old rule, for incidents from before: the gauge keeps it open and takes the new fault)', () => {
    const { opened, attached } = timeline(buckets, everyAnomaly);
    expect(opened).toEqual(['db']);
    // Both the gauge's group and the new fault's.
    expect(attached.get(150)).toEqual(['db', 'db']);
  });
});
