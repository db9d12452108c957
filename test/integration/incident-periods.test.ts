import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowBounds } from '../../activities/investigation';
import { incidentPeriods, upsertIncident } from '../../store/incidents';
import { ensureTelemetryPartitions } from '../../store/telemetry-partitions';
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
      {
        from: t0 - 60_000,
        to: t0 + 100_000 + 120_000,
        lastAnomalyAt: t0 + 100_000,
        services: ['checkout'],
      },
    ]);
    // A range that ends within the lead before its first anomaly still meets it.
    const before = await incidentPeriods(db.pool, {
      from: new Date(t0 - 600_000),
      to: new Date(t0 - 30_000),
    });
    expect(before).toHaveLength(1);
  });

  it('leave the baseline the minutes right before the fault window when no traffic was stored before them', async () => {
    // The incident above (t0 − 60 s to t0 + 220 s) lies inside the ten minutes before a fault
    // at t0 + 400 s; with no traffic stored before the fault, there is nothing quiet to reach
    // back for, and the baseline stays where it was.
    const fault = t0 + 400_000;
    const bounds = await windowBounds(db.pool, {
      faultStart: new Date(fault),
      firstAnomalyAt: new Date(fault + 60_000),
      baselineMs: 600_000,
    });
    expect(bounds).toEqual({
      faultStart: fault,
      baselineStart: fault - 600_000,
      others: [
        {
          from: t0 - 60_000,
          to: t0 + 220_000,
          lastAnomalyAt: t0 + 100_000,
          services: ['checkout'],
        },
      ],
    });
  });

  it('reach back past the other incident for as much quiet traffic, but not past a gap in it', async () => {
    const fault = t0 + 400_000;
    const window = {
      faultStart: new Date(fault),
      firstAnomalyAt: new Date(fault + 60_000),
      baselineMs: 600_000,
    };
    await ensureTelemetryPartitions(db.pool, new Date(t0 - 3_600_000), new Date(fault));
    const { rows } = await db.pool.query<{ id: number }>(
      `INSERT INTO services (name) VALUES ('checkout') RETURNING id`,
    );
    const traffic = (from: number, to: number) =>
      db.pool.query(
        `INSERT INTO rollup_operations (bucket, operation_id, service_id, calls, errors, duration_sum_us, latency)
         SELECT to_timestamp(b / 1000.0), 1, $3, 5, 0, 5000, '{}' FROM generate_series($1::bigint, $2::bigint - 1, 10000) b`,
        [from, to, rows[0]!.id],
      );
    // Traffic all along the half hour before the fault: the incident's 280 s are left out and
    // the baseline starts as much earlier.
    await traffic(fault - 1_800_000, fault);
    expect((await windowBounds(db.pool, window)).baselineStart).toBe(fault - 600_000 - 280_000);
    // Quiet is judged for the incident's services: the checkout incident is busy for one on
    // checkout, and for one on payment it is neither reached past nor left out.
    const checkout = await windowBounds(db.pool, { ...window, services: ['checkout', 'cart'] });
    expect(checkout.baselineStart).toBe(fault - 600_000 - 280_000);
    const payment = await windowBounds(db.pool, { ...window, services: ['payment'] });
    expect(payment).toEqual({ faultStart: fault, baselineStart: fault - 600_000, others: [] });
    // A gap of two minutes 12 minutes before the fault: the baseline stops where traffic resumed.
    await db.pool.query('DELETE FROM rollup_operations WHERE bucket >= $1 AND bucket < $2', [
      new Date(fault - 840_000),
      new Date(fault - 720_000),
    ]);
    expect((await windowBounds(db.pool, window)).baselineStart).toBe(fault - 720_000);
  });
});
