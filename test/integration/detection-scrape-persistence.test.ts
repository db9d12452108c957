import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createDetectionActivities,
  defaultDetectionSettings,
  type DetectionPassResult,
} from '../../activities/detection';
import type { IncidentCandidate } from '../../workflows/incident/types';
import { detectionDatabase, type DetectionDatabase } from '../setup/detection-database';

const bucketMs = 10_000;
const start = Date.UTC(2026, 0, 7, 9, 0, 0);
/** The pod is scraped once a minute: one row every sixth bucket. */
const scrapeBuckets = 6;
const warmupScrapes = 30;

/**
 * Only a pod's CPU gauge is off, and it is scraped once a minute (no requests, no logs). The
 * same reading off in two scrapes in a row persists: a fault, whatever the scrape interval.
 * Off in one scrape and back in the next, it is one look.
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

  /** A pass every bucket over `scrapes` scrapes; `off(k)`: scrape k reads 0.9 instead of ~0.1. */
  async function candidates(scrapes: number, off: (k: number) => boolean) {
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
      if (Number.isInteger(k)) {
        await db.pool.query(
          `INSERT INTO rollup_metrics (bucket, metric_id, service_id, points, value_sum, observations)
           SELECT $1, m.id, s.id, 1, $2, 0 FROM metrics m, services s`,
          [new Date(bucket), off(k) ? 0.9 : 0.1 + 0.01 * Math.sin(k)],
        );
      }
      now = bucket + bucketMs + 4_000;
      const env = new MockActivityEnvironment({
        workflowExecution: { workflowId: 'detection', runId: `pass-${b}` },
      });
      const pass = (await env.run(activities.runDetectionPass)) as DetectionPassResult;
      reported.push(...pass.candidates);
    }
    return reported;
  }

  it('opens an incident when the reading is off in two scrapes in a row', async () => {
    const reported = await candidates(warmupScrapes + 3, (k) => k >= warmupScrapes);
    const opening = reported.filter((c) => !c.backsOnly);
    expect(opening.length).toBeGreaterThan(0);
    expect(opening[0]!.service).toBe('db');
    // Two scrapes' readings of the same gauge, a minute apart.
    expect(new Set(opening[0]!.anomalies.map((a) => a.at)).size).toBe(2);
  });

  it('opens none when the reading is off in one scrape only', async () => {
    const reported = await candidates(warmupScrapes + 3, (k) => k === warmupScrapes);
    expect(reported.filter((c) => !c.backsOnly)).toEqual([]);
  });
});
