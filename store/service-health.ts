import type { ServiceHealth } from '../runbooks/sdk/types';
import type { Pool } from './db';
import { histogramQuantile } from './telemetry-histogram';
import { rollupBucketSeconds } from './telemetry-rollups';

/** A stretch of time left out of a health reading (ms since the epoch, `to` exclusive). */
export interface Period {
  from: number;
  to: number;
}

/** Buckets that overlap none of the periods ($4 starts, $5 ends). */
const outsidePeriods = `NOT EXISTS (
    SELECT 1 FROM unnest($4::timestamptz[], $5::timestamptz[]) AS p(f, t)
    WHERE r.bucket < p.t AND r.bucket + interval '${rollupBucketSeconds} seconds' > p.f)`;

/** The service's own spans (its service rollups). */
const ownRollups = `
  SELECT sum(r.calls) AS calls, sum(r.errors) AS errors, hist_sum(r.latency) AS h
  FROM rollup_services r JOIN services s ON s.id = r.service_id
  WHERE s.name = $1 AND r.bucket >= $2 AND ($3::timestamptz IS NULL OR r.bucket < $3)
    AND ${outsidePeriods}`;

/** Its callers' client spans into it. */
const callerRollups = `
  SELECT sum(r.calls) AS calls, sum(r.errors) AS errors, hist_sum(r.latency) AS h
  FROM rollup_edges r JOIN services s ON s.id = r.callee_service_id
  WHERE s.name = $1 AND r.bucket >= $2 AND ($3::timestamptz IS NULL OR r.bucket < $3)
    AND ${outsidePeriods}`;

/**
 * A service's RED numbers since a moment, from the 10-second rollups: what runbook verification
 * polls. Buckets that started before `since` are left out, so only traffic after the fix counts
 * (and, with `until`, those from `until` on: the health before an incident; buckets that overlap
 * one of the `excluded` periods are left out too: another fault of the service is not its health).
 * A service without spans of its own since then (a datastore, or one that stopped answering) is
 * judged by its callers' client spans into it; otherwise verification of a fix to, say, a Redis
 * would wait out its whole deadline for requests it can never see.
 */
export async function serviceHealthSince(
  pool: Pool,
  service: string,
  since: Date,
  until?: Date,
  excluded: readonly Period[] = [],
): Promise<ServiceHealth> {
  const read = (rollups: string) => healthFrom(pool, rollups, service, { since, until, excluded });
  const own = await read(ownRollups);
  return own.requests > 0 ? own : read(callerRollups);
}

async function healthFrom(
  pool: Pool,
  rollups: string,
  service: string,
  { since, until, excluded }: { since: Date; until: Date | undefined; excluded: readonly Period[] },
): Promise<ServiceHealth> {
  const { rows } = await pool.query<{
    calls: string | null;
    errors: string | null;
    lo: number | null;
    counts: string[] | null;
  }>(
    `SELECT t.calls, t.errors, array_lower(t.h, 1) AS lo, t.h[array_lower(t.h, 1):array_upper(t.h, 1)] AS counts
     FROM (${rollups}) t`,
    [
      service,
      since,
      until ?? null,
      excluded.map((p) => new Date(p.from)),
      excluded.map((p) => new Date(p.to)),
    ],
  );
  const r = rows[0];
  const requests = Number(r?.calls ?? 0);
  const p95 =
    r?.counts && r.lo !== null
      ? histogramQuantile({ offset: r.lo, counts: r.counts.map(Number) }, 0.95)
      : null;
  return {
    service,
    requests,
    errorRate: requests ? Number(r?.errors ?? 0) / requests : 0,
    p95LatencyMs: p95 === null ? 0 : p95 / 1000,
    from: since.toISOString(),
    to: (until ?? new Date()).toISOString(),
  };
}
