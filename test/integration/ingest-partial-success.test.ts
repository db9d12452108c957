import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlineBoutique } from '../../simulator/online-boutique';
import { exportBatch, PartialExportError } from '../../simulator/otlp-export';
import { simulate } from '../../simulator/simulate';
import type { TelemetryBatch } from '../../simulator/telemetry';
import { createIsolatedDatabase } from '../setup/database';
import { startTestReceivers } from '../setup/receivers';

/** The receivers' clock is a minute after the slices sent. */
const start = Date.UTC(2026, 0, 5, 12, 0, 0);

/** Ten seconds of the shop's healthy traffic from `from`. */
function slice(seed: number, from: number): TelemetryBatch {
  const [batch] = simulate({
    topology: onlineBoutique,
    seed,
    start: from,
    durationSec: 10,
    rps: 5,
    faults: [],
  });
  return batch!;
}

describe('exportBatch (the simulator OTLP/HTTP exporter) and partial success', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let receivers: Awaited<ReturnType<typeof startTestReceivers>>;

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    receivers = await startTestReceivers(db, () => start + 60_000);
  });
  afterAll(async () => {
    await receivers.stop();
    await db.drop();
  });

  const count = async (table: string) =>
    Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);

  it('sends every signal, then fails with the refused count and the reason', async () => {
    const batch = slice(7, start - 20_000);
    // Two spans that end before they start: the receiver refuses them and stores the rest.
    const spans = batch.spans.map((s, i) =>
      i < 2 ? { ...s, endTimeUnixNano: s.startTimeUnixNano - 1_000_000n } : s,
    );

    const failure: unknown = await exportBatch(receivers.endpoint, { ...batch, spans }).catch(
      (e) => e,
    );

    expect(failure).toBeInstanceOf(PartialExportError);
    expect((failure as PartialExportError).rejected).toEqual({ '/v1/traces': 2 });
    expect((failure as PartialExportError).message).toContain(
      '2 spans rejected: end time before start time',
    );
    // Acknowledged means committed: the accepted rows are readable at once.
    expect(await count('spans')).toBe(spans.length - 2);
    expect(await count('logs')).toBe(batch.logs.length);
    expect(await count('metric_points')).toBe(batch.metrics.length);
  });

  it('resolves when the receiver takes everything', async () => {
    const before = await count('spans');
    const batch = slice(8, start - 10_000);
    await expect(exportBatch(receivers.endpoint, batch)).resolves.toBeUndefined();
    expect(await count('spans')).toBe(before + batch.spans.length);
  });
});
