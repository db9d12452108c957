import type { Pool } from '../store/db';
import { dropTelemetryPartitions, ensureTelemetryPartitions } from '../store/telemetry-partitions';

/** How long telemetry is kept and how far ahead partitions are prepared. */
export interface RetentionPolicy {
  /** Raw spans, logs and metric points (hourly partitions). */
  rawRetentionHours: number;
  /** 10-second rollups (daily partitions). */
  rollupRetentionDays: number;
  /** Partitions are created this far ahead, so writers never wait on DDL. */
  aheadHours: number;
}

export interface RetentionDeps {
  pool: Pool;
  /** Wall clock in ms; injectable so tests decide what is expired. */
  clock?: () => number;
}

const hourMs = 3_600_000;

export function createRetentionActivities({ pool, clock = Date.now }: RetentionDeps) {
  return {
    /** Creates the partitions of the coming hours (idempotent); returns how many were new. */
    async ensureTelemetryPartitionsAhead(aheadHours: number): Promise<number> {
      const now = clock();
      return ensureTelemetryPartitions(
        pool,
        new Date(now - hourMs),
        new Date(now + aheadHours * hourMs),
      );
    },

    /** Drops the partitions whose whole time range is past retention; returns their names. */
    async dropExpiredTelemetryPartitions(policy: RetentionPolicy): Promise<string[]> {
      const now = clock();
      const raw = await dropTelemetryPartitions(
        pool,
        'raw',
        new Date(now - policy.rawRetentionHours * hourMs),
      );
      const rollups = await dropTelemetryPartitions(
        pool,
        'rollup',
        new Date(now - policy.rollupRetentionDays * 24 * hourMs),
      );
      return [...raw, ...rollups];
    },
  };
}
