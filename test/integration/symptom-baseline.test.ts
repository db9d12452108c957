import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthActivities } from '../../activities/health';
import { createIncidentSymptomActivities } from '../../activities/incident-symptom';
import { isHealthy } from '../../runbooks/sdk/verify';
import { symptomBounds, type IncidentSymptomCheck } from '../../runbooks/sdk/symptom-bounds';
import { upsertIncident } from '../../store/incidents';
import { serviceHealthSince } from '../../store/service-health';
import {
  histogramLiteral,
  latencyBucket,
  latencyBucketCount,
} from '../../store/telemetry-histogram';
import type { IncidentState } from '../../workflows/incident/types';
import { detectionDatabase, type DetectionDatabase } from '../setup/detection-database';

const bucketMs = 10_000;
const minute = 60_000;
/** The fault window of the incident being fixed starts here (a lead before its first anomaly). */
const faultStart = Date.UTC(2026, 0, 7, 10, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
/** payment's earlier fault: four minutes at 400 ms inside the ten minutes before this one. */
const earlier = { from: faultStart - 8 * minute, to: faultStart - 4 * minute };

function latencies(ms: number, calls: number): string {
  const dense = new Array<number>(latencyBucketCount).fill(0);
  dense[latencyBucket(ms * 1000)] = calls;
  return histogramLiteral(dense);
}

/** 20 calls a bucket for half an hour before the fault: 50 ms, 400 ms during the earlier fault. */
async function writeTraffic(pool: DetectionDatabase['pool']) {
  const { rows } = await pool.query<{ id: number }>(
    "SELECT id FROM services WHERE name = 'payment'",
  );
  const serviceId = rows[0]!.id;
  const op = await pool.query<{ id: number }>(
    "INSERT INTO operations (service_id, kind, name) VALUES ($1, 2, 'Charge') RETURNING id",
    [serviceId],
  );
  for (let b = faultStart - 30 * minute; b < faultStart; b += bucketMs) {
    const ms = b >= earlier.from && b < earlier.to ? 400 : 50;
    await pool.query(
      `INSERT INTO rollup_services (bucket, service_id, calls, errors, duration_sum_us, latency)
       VALUES ($1, $2, 20, 0, 0, $3::int4[])`,
      [new Date(b), serviceId, latencies(ms, 20)],
    );
    await pool.query(
      `INSERT INTO rollup_operations (bucket, operation_id, service_id, calls, errors, duration_sum_us, latency)
       VALUES ($1, $2, $3, 20, 0, 0, $4::int4[])`,
      [new Date(b), op.rows[0]!.id, serviceId, latencies(ms, 20)],
    );
  }
}

/** A resolved incident on `service` whose anomalies ran from `from` to `to`. */
function incident(id: string, service: string, from: number, to: number): IncidentState {
  return {
    incidentId: id,
    fingerprint: id,
    service,
    services: [service],
    status: 'resolved',
    severity: 'medium',
    openedAt: iso(from + 30_000),
    lastAnomalyAt: iso(to),
    anomalyCount: 2,
    topAnomalies: [
      {
        seriesKey: `svc:${service}:p95`,
        service,
        signal: 'latency',
        score: 0.9,
        value: 400,
        at: iso(from),
      },
    ],
  };
}

describe('the baseline a fix is verified against', () => {
  let db: DetectionDatabase;
  beforeAll(async () => {
    db = await detectionDatabase(faultStart, bucketMs, { services: ['payment', 'checkout'] });
    await writeTraffic(db.pool);
  });
  afterAll(async () => {
    await db.drop();
  });

  const baselineOf = (services: string[]) =>
    createIncidentSymptomActivities({ pool: db.pool }).symptomBaseline({
      incidentId: 'payment-now',
      faultStart: iso(faultStart),
      firstAnomalyAt: iso(faultStart + minute),
      baselineMinutes: 10,
      services,
    });
  const { checkServiceHealth } = createHealthActivities({
    health: {
      serviceHealth: (service, since, until, excluded) =>
        serviceHealthSince(db.pool, service, since, until, excluded),
    },
  });
  /** The latency bound verification would set from the check's baseline. */
  async function latencyBound(check: Omit<IncidentSymptomCheck, 'signals'>) {
    const baseline = await checkServiceHealth(
      'payment',
      check.baselineFrom,
      check.baselineTo,
      check.excluded,
    );
    return symptomBounds(baseline, ['latency']);
  }
  /** payment still at its fault's level after a fix that did nothing. */
  const stillFaulty = {
    service: 'payment',
    requests: 120,
    errorRate: 0,
    p95LatencyMs: 400,
    from: iso(faultStart + 3 * minute),
    to: iso(faultStart + 4 * minute),
  };

  it("leaves the service's earlier fault out, so the fault's level is not taken for healthy", async () => {
    await upsertIncident(
      db.pool,
      incident('payment-earlier', 'payment', earlier.from + 20_000, earlier.to - 30_000),
    );
    const check = await baselineOf(['payment']);
    // Quiet for payment: ten minutes reaching back past its earlier incident (lead and tail).
    expect(check.excluded).toEqual([
      { from: iso(earlier.from + 20_000 - minute), to: iso(earlier.to - 30_000 + 2 * minute) },
    ]);
    expect(Date.parse(check.baselineFrom)).toBeLessThan(faultStart - 10 * minute);
    const bounds = await latencyBound(check);
    expect(bounds.maxP95LatencyMs).toBeLessThan(100);
    expect(isHealthy(stillFaulty, bounds)).toBe(false);
    // The ten minutes right before the fault, the earlier fault in them, would have passed it.
    const adjacent = await latencyBound({
      baselineFrom: iso(faultStart - 10 * minute),
      baselineTo: iso(faultStart),
    });
    expect(isHealthy(stillFaulty, adjacent)).toBe(true);
  });

  it('stays the ten minutes before the fault when only other services had incidents', async () => {
    const check = await baselineOf(['checkout']);
    expect(check).toEqual({
      baselineFrom: iso(faultStart - 10 * minute),
      baselineTo: iso(faultStart),
      excluded: [],
    });
  });
});
