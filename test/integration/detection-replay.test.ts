import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDetectionSettings } from '../../activities/detection';
import { runReplay } from '../../bench/detection-replay-core';
import { onlineBoutique } from '../../simulator/online-boutique';
import { createIsolatedDatabase } from '../setup/database';
import { partitionsAround } from '../setup/detection-database';

describe('detection replay: simulated traffic → ingest → detection passes → incidents', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;

  beforeAll(async () => {
    db = await createIsolatedDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('opens one incident for a downed service and blames it, not its callers', async () => {
    const start = Date.UTC(2026, 0, 5, 12, 0, 0);
    await partitionsAround(db.pool, start);
    const result = await runReplay({
      pool: db.pool,
      topology: onlineBoutique,
      trafficSeed: 42,
      faultSeed: 7,
      faults: 1,
      kinds: ['dependency-outage'],
      faultFreeMinutes: 0,
      rps: 15,
      start,
      intervalSeconds: 10,
      offsetSeconds: 4,
      detection: { ...defaultDetectionSettings, quietPeriodSeconds: 45 },
    });
    const [fault] = result.faults;
    expect(fault?.detectS).toBeLessThanOrEqual(30);
    expect(fault).toMatchObject({ blamedRight: true, incidents: 1 });
    expect(fault?.incidentServices).toEqual([fault?.service]);
    expect(result.rawAnomalies).toBeGreaterThan(result.incidentsOpened);
  }, 180_000);
});
