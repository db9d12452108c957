import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTemplateWindow } from '../../activities/log-templates';
import { LogsRequest } from '../../ingest/otlp';
import { startReceivers, type RunningReceivers } from '../../ingest/receivers';
import { loadConfig, type Config } from '../../worker/config';
import { freeFixedPorts } from '../../worker/stack/ports';
import { createIsolatedDatabase } from '../setup/database';

const bucketMs = 10_000;

interface Line {
  at: number;
  severity: number;
  body: string;
}

describe('log templates tagged at ingest', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let config: Config;
  let receivers: RunningReceivers | undefined;
  let start: number;

  async function exportLogs(lines: Line[]): Promise<void> {
    const request = LogsRequest.create({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cart' } }] },
          scopeLogs: [
            {
              logRecords: lines.map((l) => ({
                timeUnixNano: l.at * 1e6,
                severityNumber: l.severity,
                body: { stringValue: l.body },
              })),
            },
          ],
        },
      ],
    });
    const res = await fetch(`http://127.0.0.1:${receivers!.httpPort}/v1/logs`, {
      method: 'POST',
      body: LogsRequest.encode(request).finish(),
      headers: { 'Content-Type': 'application/x-protobuf' },
    });
    expect(res.status).toBe(200);
  }

  async function storedIds(): Promise<Map<string, string>> {
    const { rows } = await db.pool.query<{ body: string; template_id: string | null }>(
      'SELECT body, template_id FROM logs',
    );
    return new Map(rows.map((r) => [r.body, r.template_id ?? 'untagged']));
  }

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    const [grpcPort, httpPort] = await freeFixedPorts(2);
    config = loadConfig({
      AIOPS_OTLP_GRPC_PORT: String(grpcPort),
      AIOPS_OTLP_HTTP_PORT: String(httpPort),
    });
    start = Math.floor(Date.now() / bucketMs) * bucketMs - 30 * bucketMs;
    receivers = await startReceivers({ config, pool: db.pool });
  });
  afterAll(async () => {
    await receivers?.stop();
    await db.drop();
  });

  it('tags every record, keeps ids across a restart, counts per bucket and flags new error templates', async () => {
    const normal = Array.from({ length: 2_400 }, (_, i) => ({
      at: start + (i % 20) * bucketMs + (i % 997),
      severity: 9,
      body:
        i % 2 ? `cart ${i} updated for user u${i % 50}` : `GET /cart/${i} served in ${i % 90} ms`,
    }));
    for (let i = 0; i < normal.length; i += 400) await exportLogs(normal.slice(i, i + 400));
    const warm = await storedIds();
    expect(warm.size).toBe(2_400);
    expect(warm.has('untagged')).toBe(false);
    const warmIds = new Set(warm.values());
    expect(warmIds.size).toBe(2);

    const warmup = await readTemplateWindow(
      db.pool,
      new Date(start),
      new Date(start + 20 * bucketMs),
    );
    expect(warmup.newTemplates).toEqual([]);
    expect(new Set(warmup.points.map((p) => p.seriesKey)).size).toBe(2);
    expect(warmup.points.reduce((n, p) => n + p.value, 0)).toBe(2_400);

    // A restarted receiver restores the miner from PostgreSQL: known lines keep their ids.
    await receivers!.stop();
    receivers = await startReceivers({ config, pool: db.pool });
    const faultAt = start + 25 * bucketMs;
    const known = 'cart 99999 updated for user u7';
    const declined = 'payment declined: connection reset by peer 10.0.0.7:6379';
    await exportLogs([
      { at: faultAt, severity: 17, body: declined },
      { at: faultAt + 1, severity: 9, body: known },
    ]);
    const after = await storedIds();
    expect(warmIds.has(after.get(known)!)).toBe(true);
    expect(warmIds.has(after.get(declined)!)).toBe(false);

    const next = await readTemplateWindow(
      db.pool,
      new Date(start + 20 * bucketMs),
      new Date(start + 30 * bucketMs),
    );
    expect(next.newTemplates).toHaveLength(1);
    expect(next.newTemplates[0]).toMatchObject({
      seriesKey: `tmpl:cart:${after.get(declined)}:new`,
      service: 'cart',
      signal: 'logs',
    });
    // More everyday lines is more work; more of an error line is a failure.
    expect(next.everyday.has(`tmpl:cart:${after.get(known)}`)).toBe(true);
    expect(next.everyday.has(`tmpl:cart:${after.get(declined)}`)).toBe(false);
    // The service's error share of the bucket: one of its two lines.
    expect(next.errorShares).toEqual([
      expect.objectContaining({
        seriesKey: 'logerr:cart',
        signal: 'errors',
        value: 0.5,
        support: 2,
      }),
    ]);
    expect(warmup.errorShares.every((p) => p.value === 0)).toBe(true);
    expect(next.points.map((p) => [p.seriesKey, p.value]).sort()).toEqual(
      [
        [`tmpl:cart:${after.get(declined)}`, 1],
        [`tmpl:cart:${after.get(known)}`, 1],
      ].sort(),
    );
    const { rows } = await db.pool.query<{ template_id: string; template: string }>(
      'SELECT template_id, template FROM log_templates ORDER BY first_seen',
    );
    expect(rows.map((r) => r.template_id).sort()).toEqual([...warmIds, after.get(declined)].sort());
    expect(rows.find((r) => r.template_id === after.get(known))?.template).toBe(
      'cart cart <*> updated for user <*>',
    );
  });
});
