import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSilentServices } from '../../store/detection';
import { detectionDatabase, type DetectionDatabase } from '../setup/detection-database';

const bucketMs = 10_000;
const start = Date.UTC(2026, 0, 7, 9, 0, 0);

/** `steady` reports every bucket; `down` reports in buckets 0–4 and then stops. */
describe('silent services', () => {
  let db: DetectionDatabase;

  beforeEach(async () => {
    db = await detectionDatabase(start, bucketMs, {
      services: ['steady', 'down'],
      gauges: ['cpu.utilization'],
    });
    for (let b = 0; b < 12; b++)
      await db.pool.query(
        `INSERT INTO rollup_metrics (bucket, metric_id, service_id, points, value_sum, observations)
         SELECT $1, m.id, s.id, 1, 0.1, 0 FROM metrics m, services s
         WHERE s.name = 'steady' OR $2`,
        [new Date(start + b * bucketMs), b < 5],
      );
  });
  afterEach(async () => {
    await db.drop();
  });

  it('reports a service in each pass while its silence lasts, then no more', async () => {
    const silentAfter = async (last: number) =>
      readSilentServices(db.pool, new Date(start + last * bucketMs), bucketMs);
    expect(await silentAfter(3)).toEqual([]);
    // Silent from bucket 5 on: reported by the passes over buckets 5, 6 and 7, not later.
    expect(await silentAfter(4)).toEqual(['down']);
    expect(await silentAfter(5)).toEqual(['down']);
    expect(await silentAfter(6)).toEqual(['down']);
    expect(await silentAfter(7)).toEqual([]);
    // Nothing arrived after the newest bucket: the pipeline may be lagging, nobody is silent.
    expect(await silentAfter(11)).toEqual([]);
  });
});
