import type { Pool } from './db';
import { copyBinary, type CopyRows } from './telemetry-copy';
import { PartitionCoverage } from './telemetry-partitions';
import { upsertRollups } from './telemetry-rollup-upsert';
import type { Rollups } from './telemetry-rollups';
import { logColumns, metricPointColumns, spanColumns } from './telemetry-rows';

/** Everything one flush writes: encoded rows of each raw table and the rollup increments. */
export interface TelemetryBatch {
  spans: CopyRows[];
  logs: CopyRows[];
  metricPoints: CopyRows[];
  rollups: Rollups;
  /** Time range of the raw rows (Unix µs), so their partitions exist before the COPY. */
  minUs: number;
  maxUs: number;
}

const hasRows = (parts: CopyRows[]) => parts.some((p) => p.rows > 0);

/**
 * Writes a batch in ONE transaction: a binary COPY per raw table, then the rollup upserts.
 * Either everything of the batch is committed or nothing is, so a request acknowledged after
 * `write` resolves is durable, and rollups never count rows that were not stored.
 */
export class TelemetryWriter {
  private readonly coverage: PartitionCoverage;

  constructor(private readonly pool: Pool) {
    this.coverage = new PartitionCoverage(pool);
  }

  async write(batch: TelemetryBatch): Promise<void> {
    const minUs = Math.min(batch.minUs, batch.rollups.minBucket * 1e6);
    const maxUs = Math.max(batch.maxUs, batch.rollups.maxBucket * 1e6);
    if (minUs <= maxUs) await this.coverage.ensure(minUs, maxUs);
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // A checked-out client losing its server emits 'error' (the pool listens only to idle
    // ones); unheard, it would end the process. The write in flight fails and is not acknowledged.
    const onError = (err: Error) => (broken = err);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      if (hasRows(batch.spans)) await copyBinary(client, 'spans', spanColumns, batch.spans);
      if (hasRows(batch.logs)) await copyBinary(client, 'logs', logColumns, batch.logs);
      if (hasRows(batch.metricPoints))
        await copyBinary(client, 'metric_points', metricPointColumns, batch.metricPoints);
      await upsertRollups(client, batch.rollups);
      await client.query('COMMIT');
    } catch (err) {
      // A partition may have been dropped under us: ask PostgreSQL again next time.
      this.coverage.forget();
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}
