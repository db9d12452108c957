import type { Pool } from './db';

export type RetentionClass = 'raw' | 'rollup';

const hourMicros = 3_600_000_000;

/** Creates the missing partitions of every telemetry table covering [from, to]. */
export async function ensureTelemetryPartitions(pool: Pool, from: Date, to: Date): Promise<number> {
  const { rows } = await pool.query<{ created: number }>(
    'SELECT ensure_telemetry_partitions($1, $2) AS created',
    [from, to],
  );
  return rows[0]?.created ?? 0;
}

/** Drops the partitions of one retention class that hold only data older than `before`. */
export async function dropTelemetryPartitions(
  pool: Pool,
  retentionClass: RetentionClass,
  before: Date,
): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    'SELECT drop_telemetry_partitions($1, $2) AS name',
    [retentionClass, before],
  );
  return rows.map((r) => r.name);
}

/**
 * Which hours are known to have partitions, so the writer asks PostgreSQL once per new hour
 * rather than once per flush. `forget` after a failed write in case a partition was dropped.
 */
export class PartitionCoverage {
  private readonly hours = new Set<number>();

  constructor(private readonly pool: Pool) {}

  async ensure(minUnixMicros: number, maxUnixMicros: number): Promise<void> {
    const first = Math.floor(minUnixMicros / hourMicros);
    const last = Math.floor(maxUnixMicros / hourMicros);
    let from: number | undefined;
    let to = first;
    for (let h = first; h <= last; h++) {
      if (this.hours.has(h)) continue;
      from ??= h;
      to = h;
    }
    if (from === undefined) return;
    await ensureTelemetryPartitions(
      this.pool,
      new Date((from * hourMicros) / 1000),
      new Date((to * hourMicros) / 1000),
    );
    for (let h = from; h <= to; h++) this.hours.add(h);
  }

  forget(): void {
    this.hours.clear();
  }
}
