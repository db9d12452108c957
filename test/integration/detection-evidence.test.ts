import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createDetectionActivities,
  defaultDetectionSettings,
  type DetectionPassResult,
} from '../../activities/detection';
import type { Pool } from '../../store/db';
import {
  histogramLiteral,
  latencyBucket,
  latencyBucketCount,
} from '../../store/telemetry-histogram';
import type { IncidentCandidate } from '../../workflows/incident/types';
import { detectionDatabase, type DetectionDatabase } from '../setup/detection-database';

const bucketMs = 10_000;
const start = Date.UTC(2026, 0, 7, 9, 0, 0);
/** frontend → checkout → db: a request's latency is its own plus its callee's. */
const chain = ['frontend', 'checkout', 'db'];

function latencyLiteral(durationsMs: number[]): string {
  const dense = new Array<number>(latencyBucketCount).fill(0);
  for (const ms of durationsMs) dense[latencyBucket(ms * 1000)]!++;
  return histogramLiteral(dense);
}

/**
 * How long the i-th request of a bucket spends in the database, as seen in `service`'s spans
 * of that bucket (a request crossing a bucket's end has its caller's span in one bucket and
 * its callee's in the next).
 */
type DbMs = (i: number, service: string) => number;

/**
 * Writes one bucket's rollups: `calls` requests through the chain, each caller adding a few
 * milliseconds of its own to the database's time.
 */
async function writeBucket(pool: Pool, bucket: number, calls: number, dbMs: DbMs) {
  const ids = new Map(
    (await pool.query<{ id: number; name: string }>('SELECT id, name FROM services')).rows.map(
      (r) => [r.name, r.id],
    ),
  );
  const own = (service: string, i: number) => 2 + ((i * 7 + bucket / bucketMs) % 3) * 0.4;
  const durations = (service: string) =>
    Array.from(
      { length: calls },
      (_, i) =>
        dbMs(i, service) +
        chain.slice(chain.indexOf(service), -1).reduce((sum, s) => sum + own(s, i), 0),
    );
  for (const service of chain) {
    await pool.query(
      `INSERT INTO rollup_services (bucket, service_id, calls, errors, duration_sum_us, latency)
       VALUES ($1, $2, $3, 0, 0, $4::int4[])`,
      [new Date(bucket), ids.get(service), calls, latencyLiteral(durations(service))],
    );
  }
  for (let i = 1; i < chain.length; i++) {
    await pool.query(
      `INSERT INTO rollup_edges (bucket, caller_service_id, callee_service_id, calls, errors, duration_sum_us, latency)
       VALUES ($1, $2, $3, $4, 0, 0, $5::int4[])`,
      [
        new Date(bucket),
        ids.get(chain[i - 1]!),
        ids.get(chain[i]!),
        calls,
        latencyLiteral(durations(chain[i]!).map((ms) => ms + 0.5)),
      ],
    );
  }
}

/** A database latency that wanders a little from bucket to bucket and request to request. */
const usualDbMs =
  (bucketIndex: number): DbMs =>
  (i) =>
    7.5 * (1 + 0.1 * Math.sin(bucketIndex + i * 1.3));

/** A database holding these services, with a pass recorded just before `start`. */
const databaseWith = (services: string[]) => detectionDatabase(start, bucketMs, { services });

/**
 * Writes `buckets` buckets from `start` (`write` gets each bucket's time and index) and runs a
 * detection pass once each is complete, as the Schedule does.
 */
async function runPasses(
  pool: Pool,
  buckets: number,
  write: (bucket: number, b: number) => Promise<void>,
): Promise<IncidentCandidate[]> {
  let now = start;
  const activities = createDetectionActivities({
    pool,
    clock: () => now,
    detection: defaultDetectionSettings,
  });
  const candidates: IncidentCandidate[] = [];
  for (let b = 0; b < buckets; b++) {
    const bucket = start + b * bucketMs;
    await write(bucket, b);
    now = bucket + bucketMs + 4_000;
    const env = new MockActivityEnvironment({
      workflowExecution: { workflowId: 'detection', runId: `pass-${b}` },
    });
    const pass = (await env.run(activities.runDetectionPass)) as DetectionPassResult;
    candidates.push(...pass.candidates);
  }
  return candidates;
}

describe('detection weighs latency by the requests behind it', () => {
  let db: DetectionDatabase;

  beforeEach(async () => {
    db = await databaseWith(chain);
  });
  afterEach(async () => {
    await db.drop();
  });

  function run(
    buckets: number,
    calls: number,
    dbMs: (bucketIndex: number) => DbMs,
  ): Promise<IncidentCandidate[]> {
    return runPasses(db.pool, buckets, (bucket, b) => writeBucket(db.pool, bucket, calls, dbMs(b)));
  }

  it('opens nothing for one slow request in a bucket of one, recurring once a minute', async () => {
    // Ten quiet minutes, then ten in which one request a minute takes 85 ms instead of 7.5 in
    // the database, crossing a bucket's end: the frontend's span is slow in one bucket, the
    // checkout's and the database's in the next (two buckets of latency anomalies before).
    const slow = (b: number) => b >= 60 && b % 6 === 0;
    const candidates = await run(120, 1, (b) => (i, service) => {
      const slowHere = service === 'frontend' ? slow(b) : slow(b - 1);
      return slowHere ? 85 : usualDbMs(b)(i, service);
    });
    expect(candidates).toEqual([]);
  }, 120_000);

  it('opens an incident on the database when fifty requests a bucket shift to 85 ms', async () => {
    const candidates = await run(66, 50, (b) => (b >= 60 ? () => 85 : usualDbMs(b)));
    expect(candidates.length).toBeGreaterThanOrEqual(1);
    expect(candidates[0]).toMatchObject({ service: 'db', fingerprint: 'db' });
  }, 120_000);

  /**
   * Ten quiet minutes of a dozen requests a bucket and one gauge of the database's pod, scraped
   * once a minute; then one bucket in which request i takes `slow(i)` ms in the database
   * (undefined: as usual), and the scrape ending that bucket reads `gauge.off` instead of about
   * `gauge.usual`.
   */
  async function withScrape(
    gauge: { name: string; unit: string; usual: number; off: number },
    slow: (i: number) => number | undefined,
  ): Promise<IncidentCandidate[]> {
    await db.pool.query(
      `INSERT INTO metrics (name, type, unit, description) VALUES ($1, 1, $2, '')`,
      [gauge.name, gauge.unit],
    );
    const slowBucket = 59;
    return runPasses(db.pool, 72, async (bucket, b) => {
      await writeBucket(
        db.pool,
        bucket,
        12,
        (i, service) => (b === slowBucket ? slow(i) : undefined) ?? usualDbMs(b)(i, service),
      );
      if (b % 6 !== 0) return;
      const value = b === slowBucket + 1 ? gauge.off : gauge.usual * (1 + 0.04 * Math.sin(b));
      await db.pool.query(
        `INSERT INTO rollup_metrics (bucket, metric_id, service_id, points, value_sum, observations)
         SELECT $1, m.id, s.id, 1, $2, 0 FROM metrics m, services s WHERE s.name = 'db'`,
        [new Date(bucket), value],
      );
    });
  }
  const cpu = { name: 'cpu.utilization', unit: '1', usual: 0.3, off: 0.9 };
  const latencyP99 = { name: 'server.latency.p99', unit: 'ms', usual: 8.2, off: 85 };

  it('opens nothing for one slow request and what the scrape of its pod read', async () => {
    // The bucket's p95 is one request's 400 ms; three others take 20 ms instead of 7.5 (with
    // six, seven of twelve would be slower than every request of the baseline: C(12, 7) /
    // C(732, 7) is rarer than two anomalous buckets, `beyondEveryRecentRequest`).
    const oneSlow = (i: number) => (i === 0 ? 400 : i < 4 ? 20 : undefined);
    expect(await withScrape(cpu, oneSlow)).toEqual([]);
  }, 120_000);

  it('opens an incident on the database when a whole bucket is slow and its pod is busy', async () => {
    const [first] = await withScrape(cpu, () => 85);
    expect(first).toMatchObject({ service: 'db', fingerprint: 'db' });
  }, 120_000);

  it('opens nothing for one slow bucket and the latency its pod timed for the same calls', async () => {
    // Half the bucket's requests take 85 ms: its p95 is theirs, but they are not so many that
    // the bucket alone weighs as two (all twelve would be: `weighsAsTwoBuckets`).
    const halfSlow = (i: number) => (i < 6 ? 85 : undefined);
    expect(await withScrape(latencyP99, halfSlow)).toEqual([]);
  }, 120_000);

  it('opens on one bucket whose twelve requests all shifted: so many stand in for a second bucket', async () => {
    const [first] = await withScrape(latencyP99, () => 85);
    expect(first).toMatchObject({ service: 'db' });
  }, 120_000);
});

describe('detection reads a pod’s latency gauge beside the spans of its requests', () => {
  let db: DetectionDatabase;

  beforeEach(async () => {
    // cache is seen only through its pod's metrics and its lines: no spans time its requests.
    db = await databaseWith([...chain, 'cache']);
    await db.pool.query(
      `INSERT INTO metrics (name, type, unit, description) VALUES ('client.latency.p95', 1, 's', '')`,
    );
    for (const service of ['db', 'cache'])
      await db.pool.query(
        `INSERT INTO log_templates (template_id, service, template, first_seen, last_seen, severity_number, novel)
         VALUES ($2 || '-served', $2, $2 || ' <*> INFO served <*>', $1, $1, 9, false),
                ($2 || '-retry', $2, $2 || ' <*> WARN retrying <*>', $1, $1, 13, false)`,
        [new Date(start - 30 * 60_000), service],
      );
  });
  afterEach(async () => {
    await db.drop();
  });

  const offBucket = 60;
  /**
   * Eleven quiet minutes of `calls` requests a bucket through the chain, request i of bucket b
   * taking `slow(b, i)` ms in the database (undefined: as usual), while `pod` logs fifteen to
   * eighteen INFO lines a bucket and no WARN line, and its pod's p95 latency, scraped once a
   * minute, reads about 8 ms. The scrape ending the tenth minute reads `gaugeOffSeconds`
   * instead, and in that bucket `pod` logs `warnThen` WARN lines.
   */
  function runWithGauge(
    pod: string,
    calls: number,
    slow: (b: number, i: number) => number | undefined,
    { gaugeOffSeconds, warnThen }: { gaugeOffSeconds: number; warnThen: number },
  ): Promise<IncidentCandidate[]> {
    return runPasses(db.pool, 66, async (bucket, b) => {
      await writeBucket(
        db.pool,
        bucket,
        calls,
        (i, service) => slow(b, i) ?? usualDbMs(b)(i, service),
      );
      const lines = { served: 15 + (b % 4), retry: b === offBucket ? warnThen : 0 };
      for (const [template, n] of Object.entries(lines))
        await db.pool.query(
          `INSERT INTO logs (time, service_id, severity_number, body, source_id, template_id)
           SELECT $1::timestamptz + make_interval(secs => i * 0.1), s.id, 0, 'line', 1, s.name || '-' || $2
           FROM services s, generate_series(1, $3) i WHERE s.name = $4`,
          [new Date(bucket), template, n, pod],
        );
      if (b % 6 !== 0) return;
      const value = b === offBucket ? gaugeOffSeconds : 0.008 * (1 + 0.04 * Math.sin(b));
      await db.pool.query(
        `INSERT INTO rollup_metrics (bucket, metric_id, service_id, points, value_sum, observations)
         SELECT $1, m.id, s.id, 1, $2, 0 FROM metrics m, services s WHERE s.name = $3`,
        [new Date(bucket), value, pod],
      );
    });
  }

  it('opens nothing when the p95 of a pod whose requests are spans rests on one slow request, beside its WARN lines', async () => {
    // One request of the minute takes 400 ms in the database: the scrape's p95 is that request;
    // the spans say it was one of twelve in its bucket.
    const oneSlow = (b: number, i: number) => (b === offBucket - 1 && i === 0 ? 400 : undefined);
    const candidates = await runWithGauge('db', 12, oneSlow, {
      gaugeOffSeconds: 0.4,
      warnThen: 6,
    });
    expect(candidates).toEqual([]);
  }, 120_000);

  it('opens an incident on a pod seen only by its metrics when its latency gauge is off beside its WARN lines', async () => {
    const candidates = await runWithGauge('cache', 12, () => undefined, {
      gaugeOffSeconds: 0.4,
      warnThen: 6,
    });
    expect(candidates[0]).toMatchObject({ service: 'cache', fingerprint: 'cache' });
  }, 120_000);

  it('opens an incident on the database when fifty requests a bucket shift to 85 ms, its pod’s gauge beside them', async () => {
    const shifted = (b: number) => (b >= offBucket - 1 ? 85 : undefined);
    const [first] = await runWithGauge('db', 50, shifted, { gaugeOffSeconds: 0.085, warnThen: 0 });
    expect(first).toMatchObject({ service: 'db', fingerprint: 'db' });
  }, 120_000);
});

describe('detection pools the calls into a callee from all its callers', () => {
  const callers = ['booking', 'booking-other'];
  let db: DetectionDatabase;

  beforeEach(async () => {
    db = await databaseWith([...callers, 'contacts']);
  });
  afterEach(async () => {
    await db.drop();
  });

  it('opens an incident on a quiet callee whose callers each see a delayed call now and then', async () => {
    // One call a bucket into contacts, the callers taking turns: each edge sees a call every
    // 20 s. After ten quiet minutes the network into contacts delays every call by ~1.9 s for
    // a minute: three calls on each edge, six into the callee.
    const ids = new Map(
      (await db.pool.query<{ id: number; name: string }>('SELECT id, name FROM services')).rows.map(
        (r) => [r.name, r.id],
      ),
    );
    const candidates = await runPasses(db.pool, 66, async (bucket, b) => {
      const ms = b >= 60 ? 1_900 + 40 * (b % 3) : 5 * (1 + 0.3 * Math.sin(b * 1.7));
      await db.pool.query(
        `INSERT INTO rollup_edges (bucket, caller_service_id, callee_service_id, calls, errors, duration_sum_us, latency)
         VALUES ($1, $2, $3, 1, 0, 0, $4::int4[])`,
        [new Date(bucket), ids.get(callers[b % 2]!), ids.get('contacts'), latencyLiteral([ms])],
      );
    });
    expect(candidates[0]).toMatchObject({ service: 'contacts', fingerprint: 'contacts' });
    // Within half a minute of the delay's first bucket: each edge alone needs its third call.
    expect(Date.parse(candidates[0]!.observedAt)).toBeLessThanOrEqual(start + 63 * bucketMs);
  }, 120_000);
});

describe('detection weighs a novel error line by what it is about', () => {
  let db: DetectionDatabase;

  beforeEach(async () => {
    db = await databaseWith(chain);
    // Logging for half an hour already, and the template watch tracking since well before.
    await db.pool.query(
      `INSERT INTO log_templates (template_id, service, template, first_seen, last_seen, novel)
       VALUES ('everyday', 'checkout', 'checkout <*> INFO placed order <*>', $1, $1, false)`,
      [new Date(start - 30 * 60_000)],
    );
    await db.pool.query(
      `INSERT INTO detector_state (series_key, state) VALUES ('logs:novel-templates', $1)`,
      [JSON.stringify({ watched: [], since: start - 20 * 60_000 })],
    );
  });
  afterEach(async () => {
    await db.drop();
  });

  /** Usual traffic, and checkout writing a novel ERROR line twice in each of buckets 3 and 4. */
  async function runWithNovelError(
    template: string,
    line = template,
  ): Promise<IncidentCandidate[]> {
    await db.pool.query(
      `INSERT INTO log_templates
         (template_id, service, template, first_seen, last_seen, severity_number, novel)
       VALUES ('novel', 'checkout', $1, $2, $2, 17, true)`,
      [template, new Date(start + 3 * bucketMs + 1_000)],
    );
    return runPasses(db.pool, 8, async (bucket, b) => {
      await writeBucket(db.pool, bucket, 12, usualDbMs(b));
      if (b !== 3 && b !== 4) return;
      for (const at of [1_000, 6_000])
        await db.pool.query(
          `INSERT INTO logs (time, service_id, severity_number, body, source_id, template_id)
           SELECT $1, id, 17, $2, 1, 'novel' FROM services WHERE name = 'checkout'`,
          [new Date(bucket + at), line],
        );
    });
  }

  it('opens nothing for a novel error line about a call into another service, alone', async () => {
    const candidates = await runWithNovelError(
      'checkout <*> ERROR Servlet.service() threw exception [java.lang.IllegalStateException: No instances available for db]',
    );
    expect(candidates).toEqual([]);
  }, 60_000);

  it('opens nothing for such a line when the template masked the service it names', async () => {
    const candidates = await runWithNovelError(
      'checkout <*> ERROR No instances available for <*>',
      'ERROR No instances available for db',
    );
    expect(candidates).toEqual([]);
  }, 60_000);

  it('opens nothing for such a line beside a scrape of the caller that reads busy', async () => {
    // Ten quiet minutes in which checkout's pod is scraped once a minute; then the novel line
    // twice in each of buckets 59 and 60, and the scrape ending bucket 60 reading three times
    // the usual CPU: the caller's own pod is one piece, its line about db none.
    await db.pool.query(
      `INSERT INTO metrics (name, type, unit, description) VALUES ('cpu.utilization', 1, '1', '')`,
    );
    await db.pool.query(
      `INSERT INTO log_templates
         (template_id, service, template, first_seen, last_seen, severity_number, novel)
       VALUES ('novel', 'checkout', 'checkout <*> ERROR No instances available for db', $1, $1, 17, true)`,
      [new Date(start + 59 * bucketMs + 1_000)],
    );
    const candidates = await runPasses(db.pool, 66, async (bucket, b) => {
      await writeBucket(db.pool, bucket, 12, usualDbMs(b));
      if (b % 6 === 0)
        await db.pool.query(
          `INSERT INTO rollup_metrics (bucket, metric_id, service_id, points, value_sum, observations)
           SELECT $1, m.id, s.id, 1, $2, 0 FROM metrics m, services s WHERE s.name = 'checkout'`,
          [new Date(bucket), b === 60 ? 0.9 : 0.3 * (1 + 0.04 * Math.sin(b))],
        );
      if (b !== 59 && b !== 60) return;
      for (const at of [1_000, 6_000])
        await db.pool.query(
          `INSERT INTO logs (time, service_id, severity_number, body, source_id, template_id)
           SELECT $1, id, 17, 'ERROR No instances available for db', 1, 'novel'
           FROM services WHERE name = 'checkout'`,
          [new Date(bucket + at)],
        );
    });
    expect(candidates).toEqual([]);
  }, 120_000);

  it('opens an incident on a novel exception in the service own code, alone', async () => {
    const candidates = await runWithNovelError(
      'checkout <*> ERROR Unhandled exception in PlaceOrder: java.lang.NullPointerException at line <*>',
    );
    expect(candidates.length).toBeGreaterThanOrEqual(1);
    expect(candidates[0]).toMatchObject({ service: 'checkout', fingerprint: 'checkout' });
  }, 60_000);
});

describe('detection reads a template logged more against the service’s lines', () => {
  let db: DetectionDatabase;

  beforeEach(async () => {
    db = await databaseWith(chain);
    await db.pool.query(
      `INSERT INTO log_templates (template_id, service, template, first_seen, last_seen, severity_number, novel)
       VALUES ('placed', 'checkout', 'checkout <*> INFO placed order <*>', $1, $1, 9, false),
              ('retry', 'checkout', 'checkout <*> WARN payment slow, retrying <*>', $1, $1, 13, false)`,
      [new Date(start - 30 * 60_000)],
    );
  });
  afterEach(async () => {
    await db.drop();
  });

  /**
   * Twelve quiet minutes in which checkout logs, each bucket, sixteen INFO lines and two WARN
   * lines (each WARN line reading `warnLine`); then half a minute of `info` INFO and `warn` WARN
   * lines a bucket.
   */
  function runWithLines(
    info: number,
    warn: number,
    warnLine = 'line',
  ): Promise<IncidentCandidate[]> {
    return runPasses(db.pool, 75, async (bucket, b) => {
      await writeBucket(db.pool, bucket, 12, usualDbMs(b));
      const lines = b >= 72 ? { placed: info, retry: warn } : { placed: 16, retry: 2 };
      for (const [template, n] of Object.entries(lines))
        await db.pool.query(
          `INSERT INTO logs (time, service_id, severity_number, body, source_id, template_id)
           SELECT $1::timestamptz + make_interval(secs => i * 0.1), s.id, 0, $4, 1, $2
           FROM services s, generate_series(1, $3) i WHERE s.name = 'checkout'`,
          [new Date(bucket), template, n, template === 'retry' ? warnLine : 'line'],
        );
    });
  }

  it('opens nothing when every line of the service comes eight times as often', async () => {
    expect(await runWithLines(128, 16)).toEqual([]);
  }, 120_000);

  it('opens an incident when its WARN lines come sixteen times as often and the rest as usual', async () => {
    const [first] = await runWithLines(16, 32);
    expect(first).toMatchObject({ service: 'checkout', fingerprint: 'checkout' });
  }, 120_000);

  it('opens nothing when the WARN lines that come sixteen times as often are about another service', async () => {
    await db.pool.query(
      `UPDATE log_templates SET template = 'checkout <*> WARN No instances available for db, retrying <*>'
       WHERE template_id = 'retry'`,
    );
    expect(await runWithLines(16, 32)).toEqual([]);
  }, 120_000);

  it('reads the service a masked template names from its lines', async () => {
    await db.pool.query(
      `UPDATE log_templates SET template = 'checkout <*> WARN call to <*> failed, retrying <*>'
       WHERE template_id = 'retry'`,
    );
    expect(await runWithLines(16, 32, 'WARN call to db failed, retrying in 20 ms')).toEqual([]);
  }, 120_000);

  it('opens an incident on its own WARN lines while its lines about another service rise too', async () => {
    await db.pool.query(
      `INSERT INTO log_templates (template_id, service, template, first_seen, last_seen, severity_number, novel)
       VALUES ('nodb', 'checkout', 'checkout <*> ERROR No instances available for db', $1, $1, 17, false)`,
      [new Date(start - 30 * 60_000)],
    );
    const [first] = await runPasses(db.pool, 75, async (bucket, b) => {
      await writeBucket(db.pool, bucket, 12, usualDbMs(b));
      const lines =
        b >= 72 ? { placed: 16, retry: 32, nodb: 32 } : { placed: 16, retry: 2, nodb: 2 };
      for (const [template, n] of Object.entries(lines))
        await db.pool.query(
          `INSERT INTO logs (time, service_id, severity_number, body, source_id, template_id)
           SELECT $1::timestamptz + make_interval(secs => i * 0.1), s.id, 0, 'line', 1, $2
           FROM services s, generate_series(1, $3) i WHERE s.name = 'checkout'`,
          [new Date(bucket), template, n],
        );
    });
    expect(first).toMatchObject({ service: 'checkout', fingerprint: 'checkout' });
  }, 120_000);
});

describe('detection hears a rare error that comes back', () => {
  let db: DetectionDatabase;

  beforeEach(async () => {
    db = await databaseWith(chain);
    await db.pool.query(
      `INSERT INTO log_templates (template_id, service, template, first_seen, last_seen, severity_number, novel)
       VALUES ('npe', 'checkout', 'checkout <*> ERROR PlaceOrder failed: NullPointerException at <*>', $1, $1, 17, false)`,
      [new Date(start - 30 * 60_000)],
    );
    await db.pool.query(
      `INSERT INTO detector_state (series_key, state) VALUES ('logs:returning-errors', $1)`,
      [JSON.stringify({ seen: {}, since: start - 20 * 60_000 })],
    );
  });
  afterEach(async () => {
    await db.drop();
  });

  /**
   * Usual traffic; checkout's own ERROR line logged `before[b]` times in bucket b, then nothing
   * for more than two minutes, then `after[0]` and `after[1]` lines in buckets 20 and 21.
   * Returns the candidates with evidence from bucket 20 on.
   */
  async function runWithReturn(before: number[], after: number[]): Promise<IncidentCandidate[]> {
    const candidates = await runPasses(db.pool, 24, async (bucket, b) => {
      await writeBucket(db.pool, bucket, 12, usualDbMs(b));
      const n = (b >= 20 ? after[b - 20] : before[b]) ?? 0;
      await db.pool.query(
        `INSERT INTO logs (time, service_id, severity_number, body, source_id, template_id)
         SELECT $1::timestamptz + make_interval(secs => i * 0.5), s.id, 0, 'line', 1, 'npe'
         FROM services s, generate_series(1, $2) i WHERE s.name = 'checkout'`,
        [new Date(bucket + 1_000), n],
      );
    });
    return candidates.filter((c) =>
      c.anomalies.some((a) => Date.parse(a.at) >= start + 20 * bucketMs),
    );
  }

  it('opens an incident when an error seen once, briefly, returns after two minutes', async () => {
    const [first] = await runWithReturn([0, 2, 1], [2, 2]);
    expect(first).toMatchObject({ service: 'checkout', fingerprint: 'checkout' });
    expect(first!.anomalies.map((a) => a.seriesKey)).toContain('tmpl:checkout:npe:returned');
  }, 120_000);

  it('opens nothing when the error was logged in every bucket before (its everyday noise)', async () => {
    expect(await runWithReturn([1, 1, 1, 1, 1, 1, 1, 1], [2, 2])).toEqual([]);
  }, 120_000);

  it('opens nothing for one line of it', async () => {
    expect(await runWithReturn([0, 2, 1], [1, 0])).toEqual([]);
  }, 120_000);

  it('opens nothing when the line that returns is about a call into another service', async () => {
    await db.pool.query(
      `UPDATE log_templates SET template = 'checkout <*> ERROR No instances available for db'
       WHERE template_id = 'npe'`,
    );
    expect(await runWithReturn([0, 2, 1], [2, 2])).toEqual([]);
  }, 120_000);
});
