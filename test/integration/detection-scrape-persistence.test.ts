import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createDetectionActivities,
  defaultDetectionSettings,
  type DetectionPassResult,
} from '../../activities/detection';
import {
  histogramLiteral,
  latencyBucket,
  latencyBucketCount,
} from '../../store/telemetry-histogram';
import type { IncidentCandidate } from '../../workflows/incident/types';
import { detectionDatabase, type DetectionDatabase } from '../setup/detection-database';

const bucketMs = 10_000;
const start = Date.UTC(2026, 0, 7, 9, 0, 0);
/** The pod is scraped once a minute: one row every sixth bucket. */
const scrapeBuckets = 6;
const warmupScrapes = 30;

/** Twenty requests of about 3 ms each: the pod's requests as its spans show them. */
function normalRequests(): string {
  const dense = new Array<number>(latencyBucketCount).fill(0);
  for (let i = 0; i < 20; i++) dense[latencyBucket((2.5 + (i % 3) * 0.5) * 1000)]!++;
  return histogramLiteral(dense);
}

/**
 * Only a pod's CPU gauge is off, and it is scraped once a minute (no logs). The same reading off
 * in two scrapes in a row persists, whatever the scrape interval: a fault at a service the engine
 * sees only through its metrics. Off in one scrape and back in the next, it is one look. Where
 * the engine sees the service's requests as spans, those say whether anything persists.
 */
describe('a gauge scraped once a minute', () => {
  let db: DetectionDatabase;

  beforeEach(async () => {
    db = await detectionDatabase(start, bucketMs, {
      services: ['db'],
      gauges: ['cpu.utilization'],
    });
  });
  afterEach(async () => {
    await db.drop();
  });

  /**
   * A pass every bucket over `scrapes` scrapes; `off(k)`: scrape k reads 0.9 instead of ~0.1.
   * With `spans`, every bucket also has the pod's requests as spans, as fast as ever.
   */
  async function candidates(scrapes: number, off: (k: number) => boolean, spans = false) {
    let now = start;
    const activities = createDetectionActivities({
      pool: db.pool,
      clock: () => now,
      detection: defaultDetectionSettings,
    });
    const reported: IncidentCandidate[] = [];
    for (let b = 0; b < scrapes * scrapeBuckets; b++) {
      const bucket = start + b * bucketMs;
      const k = b / scrapeBuckets;
      if (Number.isInteger(k))
        await db.pool.query(
          `INSERT INTO rollup_metrics (bucket, metric_id, service_id, points, value_sum, observations)
           SELECT $1, m.id, s.id, 1, $2, 0 FROM metrics m, services s`,
          [new Date(bucket), off(k) ? 0.9 : 0.1 + 0.01 * Math.sin(k)],
        );
      if (spans)
        await db.pool.query(
          `INSERT INTO rollup_services (bucket, service_id, calls, errors, duration_sum_us, latency)
           SELECT $1, s.id, 20, 0, 60000, $2::int4[] FROM services s`,
          [new Date(bucket), normalRequests()],
        );
      now = bucket + bucketMs + 4_000;
      const env = new MockActivityEnvironment({
        workflowExecution: { workflowId: 'detection', runId: `pass-${b}` },
      });
      const pass = (await env.run(activities.runDetectionPass)) as DetectionPassResult;
      reported.push(...pass.candidates);
    }
    return reported.filter((c) => !c.backsOnly);
  }

  it('opens an incident when the reading is off in two scrapes in a row', async () => {
    const opening = await candidates(warmupScrapes + 3, (k) => k >= warmupScrapes);
    expect(opening.length).toBeGreaterThan(0);
    expect(opening[0]!.service).toBe('db');
    // Two scrapes' readings of the same gauge, a minute apart.
    expect(new Set(opening[0]!.anomalies.map((a) => a.at)).size).toBe(2);
  });

  it('opens none when the reading is off in one scrape only', async () => {
    expect(await candidates(warmupScrapes + 3, (k) => k === warmupScrapes)).toEqual([]);
  });

  it('opens none at a service whose requests its spans show unchanged', async () => {
    expect(await candidates(warmupScrapes + 3, (k) => k >= warmupScrapes, true)).toEqual([]);
  });
});
