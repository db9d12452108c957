import { MockActivityEnvironment } from '@temporalio/testing';
import {
  createDetectionActivities,
  defaultDetectionSettings,
  type DetectionPassResult,
} from '../activities/detection';
import type { Pool } from '../store/db';
import { histogramLiteral, latencyBucket, latencyBucketCount } from '../store/telemetry-histogram';
import { machineDescription, writeBenchmarkSection } from './report';
import { withScratchDatabase } from './scratch-database';

/**
 * Activity time of one detection pass over 1,000 series (500 services × p95 latency and error
 * ratio), each resuming a detector warmed on 10 minutes of history, scoring one new bucket.
 */
const serviceCount = 500;
const bucketMs = 10_000;
const runs = 7;

function literal(ms: number): string {
  const dense = new Array<number>(latencyBucketCount).fill(0);
  dense[latencyBucket(ms * 1000)] = 100;
  return histogramLiteral(dense);
}

async function writeBucket(pool: Pool, bucket: number, ids: number[]) {
  await pool.query(
    `INSERT INTO rollup_services (bucket, service_id, calls, errors, duration_sum_us, latency)
     SELECT $1, id, 100, (id % 3), 0, (CASE WHEN id % 2 = 0 THEN $2 ELSE $3 END)::int4[]
     FROM unnest($4::int[]) AS id`,
    [new Date(bucket), literal(20 + ((bucket / bucketMs) % 3)), literal(25), ids],
  );
}

/** Each pass is its own workflow run: the pass id the activity commits under. */
const passInfo = (runId: string) => ({
  workflowExecution: { workflowId: 'bench-detection', runId },
});

async function main() {
  const start = Math.floor(Date.now() / bucketMs) * bucketMs - 80 * bucketMs;
  const partitions = { from: new Date(start), to: new Date(start + 3_600_000) };
  await withScratchDatabase('bench-detect', partitions, async (pool) => {
    const { rows } = await pool.query<{ id: number }>(
      `INSERT INTO services (name) SELECT 'svc-' || g FROM generate_series(1, $1) g RETURNING id`,
      [serviceCount],
    );
    const ids = rows.map((r) => r.id);
    let now = start + 60 * bucketMs + 4_000;
    const activities = createDetectionActivities({
      pool,
      clock: () => now,
      detection: { ...defaultDetectionSettings, maxWindowSeconds: 900 },
    });
    for (let b = start; b < start + 60 * bucketMs; b += bucketMs) await writeBucket(pool, b, ids);
    // Warm every detector on the 10 minutes of history (one long pass).
    await pool.query(
      `INSERT INTO detection_pass (pass_id, window_end, result) VALUES ('seed', $1, '{}')`,
      [new Date(start - bucketMs)],
    );
    const warm = (await new MockActivityEnvironment(passInfo('warm')).run(
      activities.runDetectionPass,
    )) as DetectionPassResult;
    const timings: number[] = [];
    let series = 0;
    for (let i = 0; i < runs; i++) {
      const bucket = start + (60 + i) * bucketMs;
      await writeBucket(pool, bucket, ids);
      now = bucket + bucketMs + 4_000;
      const env = new MockActivityEnvironment(passInfo(`pass-${i}`));
      const t0 = performance.now();
      const result = (await env.run(activities.runDetectionPass)) as DetectionPassResult;
      timings.push(performance.now() - t0);
      series = result.seriesScored;
    }
    timings.sort((a, b) => a - b);
    const median = timings[Math.floor(runs / 2)]!;
    const worst = timings[runs - 1]!;
    const md = `## Detection pass

\`npm run bench:detection\` — ${machineDescription()}, ${new Date().toISOString().slice(0, 10)}.

One detection pass (the \`runDetectionPass\` activity: read the new bucket's rollups from
PostgreSQL, resume each series' detector from its stored state, score, correlate, commit the
new states and the pass in one transaction) over **${series} series** (${serviceCount} services ×
p95 latency and error ratio), each detector warmed on 10 minutes of history
(warm-up pass: ${warm.pointsScored} points). Embedded PostgreSQL 17 on the same machine.

| | median of ${runs} passes | slowest | target |
|---|---|---|---|
| activity time | ${median.toFixed(0)} ms | ${worst.toFixed(0)} ms | < 1,000 ms |
`;
    console.log(md);
    await writeBenchmarkSection('detection', md);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
