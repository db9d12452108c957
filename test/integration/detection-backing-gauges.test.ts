import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createDetectionActivities,
  defaultDetectionSettings,
  type DetectionPassResult,
} from '../../activities/detection';
import { upsertIncident } from '../../store/incidents';
import type { IncidentCandidate } from '../../workflows/incident/types';
import { detectionDatabase, type DetectionDatabase } from '../setup/detection-database';

const bucketMs = 10_000;
const start = Date.UTC(2026, 0, 7, 9, 0, 0);

/**
 * An incident is open on `db` (a fault seen in its requests earlier); then only its CPU gauge
 * is off. A gauge off in consecutive buckets is enough anomalies to keep the incident open (a
 * fault seen through one gauge alone); one off now and then only backs it.
 */
describe('gauges that back an open incident', () => {
  let db: DetectionDatabase;

  beforeEach(async () => {
    db = await detectionDatabase(start, bucketMs, {
      services: ['db'],
      gauges: ['cpu.utilization'],
    });
    const opened = new Date(start).toISOString();
    await upsertIncident(db.pool, {
      incidentId: 'db-1',
      fingerprint: 'db',
      service: 'db',
      services: ['db'],
      status: 'open',
      severity: 'medium',
      openedAt: opened,
      lastAnomalyAt: opened,
      anomalyCount: 2,
      topAnomalies: [],
    });
  });
  afterEach(async () => {
    await db.drop();
  });

  /** Passes over `buckets` buckets of the gauge; `off(b)`: bucket b reads 0.9 instead of ~0.1. */
  async function gaugeCandidates(
    buckets: number,
    off: (b: number) => boolean,
  ): Promise<IncidentCandidate[]> {
    let now = start;
    const activities = createDetectionActivities({
      pool: db.pool,
      clock: () => now,
      detection: defaultDetectionSettings,
    });
    const candidates: IncidentCandidate[] = [];
    for (let b = 0; b < buckets; b++) {
      const bucket = start + b * bucketMs;
      const value = off(b) ? 0.9 : 0.1 + 0.01 * Math.sin(b);
      await db.pool.query(
        `INSERT INTO rollup_metrics (bucket, metric_id, service_id, points, value_sum, observations)
         SELECT $1, m.id, s.id, 1, $2, 0 FROM metrics m, services s`,
        [new Date(bucket), value],
      );
      now = bucket + bucketMs + 4_000;
      const env = new MockActivityEnvironment({
        workflowExecution: { workflowId: 'detection', runId: `pass-${b}` },
      });
      const pass = (await env.run(activities.runDetectionPass)) as DetectionPassResult;
      candidates.push(...pass.candidates.filter((c) => c.fingerprint === 'db'));
    }
    return candidates;
  }

  it('keeps it open on a gauge off in consecutive buckets', async () => {
    const candidates = await gaugeCandidates(46, (b) => b >= 40);
    expect(candidates.length).toBeGreaterThan(2);
    // Its first bucket only backs the incident; with the next one held beside it, it is enough
    // to open one, so a sustaining report follows every backing one (every 20 s at most).
    expect(candidates[0]!.backsOnly).toBe(true);
    expect(candidates.some((c, i) => c.backsOnly && candidates[i + 1]?.backsOnly)).toBe(false);
    expect(candidates.filter((c) => !c.backsOnly).length).toBeGreaterThanOrEqual(2);
  });

  it('reports each bucket of a held gauge to the incident once', async () => {
    const candidates = await gaugeCandidates(46, (b) => b >= 40);
    const reported = candidates.flatMap((c) => c.anomalies.map((a) => `${a.seriesKey}@${a.at}`));
    expect(reported.length).toBeGreaterThan(2);
    expect(new Set(reported).size).toBe(reported.length);
  });

  it('only backs it with a gauge off now and then', async () => {
    const candidates = await gaugeCandidates(52, (b) => b >= 40 && b % 4 === 0);
    expect(candidates.length).toBeGreaterThan(1);
    expect(candidates.every((c) => c.backsOnly)).toBe(true);
  });
});
