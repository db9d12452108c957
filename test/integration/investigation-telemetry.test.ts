import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceivers } from '../../ingest/receivers';
import { onlineBoutique } from '../../simulator/online-boutique';
import { exportBatch } from '../../simulator/otlp-export';
import { makeScenario } from '../../simulator/scenario';
import { collect, simulate } from '../../simulator/simulate';
import type { Span } from '../../simulator/telemetry';
import { lineGroupKey } from '../../activities/rca/evidence';
import { historyLogGroups, loadWindowTelemetry } from '../../store/investigation-telemetry';
import { loadConfig } from '../../worker/config';
import { freePort } from '../../worker/stack/ports';
import { createIsolatedDatabase } from '../setup/database';

/** Stored times have microsecond resolution. */
const micros = (ns: bigint) => ns / 1000n;

describe('loadWindowTelemetry (rows joined to their dictionaries in memory)', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  beforeAll(async () => {
    db = await createIsolatedDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('returns every span, log line and metric point as sent, with its names and resource', async () => {
    const scenario = makeScenario(onlineBoutique, 'error-burst', 2, {
      rps: 5,
      baselineSec: 60,
      faultSec: 30,
    });
    const shift = Math.floor((Date.now() - 60_000 - scenario.window.end) / 10_000) * 10_000;
    const options = {
      ...scenario,
      start: scenario.start + shift,
      faults: scenario.faults.map((f) => ({
        ...f,
        startMs: f.startMs + shift,
        endMs: f.endMs + shift,
      })),
    };
    const config = loadConfig({
      DATABASE_URL: db.url,
      AIOPS_OTLP_GRPC_PORT: String(await freePort()),
      AIOPS_OTLP_HTTP_PORT: String(await freePort()),
    });
    const receivers = await startReceivers({ config, pool: db.pool });
    try {
      const endpoint = `http://127.0.0.1:${receivers.httpPort}`;
      for (const batch of simulate(options)) await exportBatch(endpoint, batch);
    } finally {
      await receivers.stop();
    }
    const sent = collect(options);
    const from = new Date(options.start);
    const to = new Date(options.start + options.durationSec * 1000);

    const loaded = await loadWindowTelemetry(db.pool, { from, to });

    expect(loaded.traceSampleRatio).toBe(1);
    const key = (s: Span) => `${s.traceId}/${s.spanId}`;
    const stored = new Map(loaded.spans.map((s) => [key(s), s]));
    expect(stored.size).toBe(sent.spans.length);
    for (const s of sent.spans) {
      const got = stored.get(key(s));
      expect(got).toMatchObject({
        parentSpanId: s.parentSpanId,
        service: s.service,
        operation: s.operation,
        kind: s.kind,
        status: s.status === 'OK' ? 'UNSET' : s.status,
        resource: {
          'service.name': s.service,
          'service.instance.id': s.resource['service.instance.id'],
        },
      });
      expect(micros(got!.startTimeUnixNano)).toBe(micros(s.startTimeUnixNano));
    }
    expect(loaded.logs.map((l) => [l.service, l.body, l.traceId]).sort()).toEqual(
      sent.logs.map((l) => [l.service, l.body, l.traceId]).sort(),
    );
    expect(new Set(loaded.metrics.map((m) => `${m.service} ${m.instance} ${m.name}`))).toEqual(
      new Set(sent.metrics.map((m) => `${m.service} ${m.instance} ${m.name}`)),
    );

    // The same lines as history: grouped in SQL exactly as the evidence groups them in memory.
    const groups = await historyLogGroups(db.pool, { from, to });
    const inMemory = new Map<string, number>();
    for (const l of sent.logs) {
      const key = `${l.service} ${lineGroupKey(l.body)}`;
      inMemory.set(key, (inMemory.get(key) ?? 0) + 1);
    }
    expect(new Map(groups.map((g) => [`${g.service} ${lineGroupKey(g.body)}`, g.count]))).toEqual(
      inMemory,
    );
    expect(groups.length).toBeLessThan(sent.logs.length);
    expect(await historyLogGroups(db.pool, { from: to, to: new Date(to.getTime() + 1) })).toEqual(
      [],
    );
  }, 120_000);
});
