import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowBounds } from '../../activities/investigation';
import { incidentPeriods, upsertIncident } from '../../store/incidents';
import type { IncidentState } from '../../workflows/incident/types';
import { createIsolatedDatabase } from '../setup/database';

const t0 = Date.UTC(2026, 0, 7, 9, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

function incident(id: string, firstAnomalyAt: number, openedAt: number): IncidentState {
  return {
    incidentId: id,
    fingerprint: id,
    service: 'checkout',
    services: ['checkout'],
    status: 'resolved',
    severity: 'medium',
    openedAt: iso(openedAt),
    lastAnomalyAt: iso(openedAt + 60_000),
    anomalyCount: 2,
    topAnomalies: [firstAnomalyAt, openedAt - 5_000].map((at) => ({
      seriesKey: 'op:checkout:PlaceOrder:p95',
      service: 'checkout',
      signal: 'latency' as const,
      score: 0.9,
      value: 80,
      at: iso(at),
    })),
  };
}

describe('other incidents’ periods, left out of an investigation’s baseline', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  beforeAll(async () => {
    db = await createIsolatedDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('start a lead before their first anomaly, not before they opened', async () => {
    // Opened 40 s after its first anomaly (anomalies must persist before an incident opens).
    await upsertIncident(db.pool, incident('slow-checkout', t0, t0 + 40_000));
    const periods = await incidentPeriods(db.pool, {
      from: new Date(t0 - 600_000),
      to: new Date(t0 + 600_000),
    });
    expect(periods).toEqual([
      { from: t0 - 60_000, to: t0 + 100_000 + 120_000, lastAnomalyAt: t0 + 100_000 },
    ]);
    // A range that ends within the lead before its first anomaly still meets it.
    const before = await incidentPeriods(db.pool, {
      from: new Date(t0 - 600_000),
      to: new Date(t0 - 30_000),
    });
    expect(before).toHaveLength(1);
  });

  it('leave the baseline the minutes right before the fault window, never further back', async () => {
    // The incident above (t0 − 60 s to t0 + 220 s) lies inside the ten minutes before a fault
    // at t0 + 400 s: the baseline leaves it out and stays where it is, rather than reaching back
    // past it (the traffic before another incident is as often another regime).
    const fault = t0 + 400_000;
    const bounds = await windowBounds(db.pool, {
      faultStart: new Date(fault),
      firstAnomalyAt: new Date(fault + 60_000),
      baselineMs: 600_000,
    });
    expect(bounds).toEqual({
      faultStart: fault,
      baselineStart: fault - 600_000,
      others: [{ from: t0 - 60_000, to: t0 + 220_000, lastAnomalyAt: t0 + 100_000 }],
    });
  });
});
