import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlineBoutique } from '../../simulator/online-boutique';
import { exportBatch } from '../../simulator/otlp-export';
import { makeScenario } from '../../simulator/scenario';
import { collect, simulate } from '../../simulator/simulate';
import type { MetricPoint, Span } from '../../simulator/telemetry';
import { lineGroupKey } from '../../activities/rca/evidence';
import { historyLogGroups, loadWindowTelemetry } from '../../store/investigation-telemetry';
import { operationLatencyLevels } from '../../store/latency-history';
import { pastStatementBudget } from '../../store/statement-budget';
import { rankWindow } from '../../activities/investigation';
import { histogramQuantile, latencyBucket } from '../../store/telemetry-histogram';
import { createIsolatedDatabase, whileLocked } from '../setup/database';
import { startTestReceivers } from '../setup/receivers';

/** Stored times have microsecond resolution. */
const micros = (ns: bigint) => ns / 1000n;

/**
 * A fixed timeline, so every run sends the same telemetry (the simulator's traffic follows the
 * time of day): its window crosses an hour, so rows go to two hourly partitions. The receivers'
 * clock is a minute after the window. Before, the window ended a minute before the real clock,
 * and on some runs (e.g. from 11:02:40 to 11:06:20 UTC) the last request's calls started after
 * the window's end: 7,727 spans sent, 7,714 of them inside the window, all stored.
 */
const windowStart = Date.UTC(2026, 11, 2, 23, 0, 0) - 45_000;

describe('loadWindowTelemetry (rows joined to their dictionaries in memory)', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  const scenario = makeScenario(onlineBoutique, 'error-burst', 2, {
    rps: 5,
    baselineSec: 60,
    faultSec: 30,
  });
  const shift = windowStart - scenario.start;
  const options = {
    ...scenario,
    start: windowStart,
    faults: scenario.faults.map((f) => ({
      ...f,
      startMs: f.startMs + shift,
      endMs: f.endMs + shift,
    })),
  };
  const sent = collect(options);
  const key = (s: Span) => `${s.traceId}/${s.spanId}`;
  const point = (m: MetricPoint) =>
    `${m.service} ${m.instance} ${m.name} ${micros(m.timeUnixNano)}`;

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    const now = () => windowStart + options.durationSec * 1000 + 60_000;
    const receivers = await startTestReceivers(db, now);
    try {
      // exportBatch fails on any item the receiver refuses (partial success).
      for (const batch of simulate(options)) await exportBatch(receivers.endpoint, batch);
    } finally {
      await receivers.stop();
    }
  });
  afterAll(async () => {
    await db.drop();
  });

  it('returns every span, log line and metric point as sent, with its names and resource', async () => {
    // Up to the last time sent: the window ends at the scenario's end, calls and their logs later.
    const last = [
      ...sent.spans.map((s) => s.endTimeUnixNano),
      ...sent.logs.map((l) => l.timeUnixNano),
      ...sent.metrics.map((m) => m.timeUnixNano),
    ].reduce((a, b) => (a > b ? a : b));
    const from = new Date(windowStart);
    const to = new Date(Number(last / 1_000_000n) + 1);
    expect(to.getUTCHours()).not.toBe(from.getUTCHours());

    const loaded = await loadWindowTelemetry(db.pool, { from, to });

    expect(loaded.traceSampleRatio).toBe(1);
    const stored = new Map(loaded.spans.map((s) => [key(s), s]));
    expect(loaded.spans).toHaveLength(sent.spans.length);
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
    expect(loaded.metrics.map(point).sort()).toEqual(sent.metrics.map(point).sort());
  });

  it('returns what falls in the window: from its start, up to but not at its end', async () => {
    // The window ends at a slice's end: that slice's metric points, stamped there, are left out.
    const from = new Date(windowStart);
    const to = new Date(windowStart + 50_000);
    const endUs = BigInt(to.getTime()) * 1000n;
    const before = (ns: bigint) => micros(ns) < endUs;

    const loaded = await loadWindowTelemetry(db.pool, { from, to });

    const spans = sent.spans.filter((s) => before(s.startTimeUnixNano));
    expect(spans.length).toBeLessThan(sent.spans.length);
    expect(loaded.spans.map(key).sort()).toEqual(spans.map(key).sort());
    const logs = sent.logs.filter((l) => before(l.timeUnixNano));
    expect(loaded.logs.map((l) => [l.service, l.body, l.traceId]).sort()).toEqual(
      logs.map((l) => [l.service, l.body, l.traceId]).sort(),
    );
    const metrics = sent.metrics.filter((m) => before(m.timeUnixNano));
    expect(sent.metrics.some((m) => micros(m.timeUnixNano) === endUs)).toBe(true);
    expect(loaded.metrics.map(point).sort()).toEqual(metrics.map(point).sort());
  });

  it('groups history lines in SQL exactly as the evidence groups them in memory', async () => {
    const from = new Date(windowStart);
    const to = new Date(windowStart + options.durationSec * 1000 + 60_000);

    const groups = await historyLogGroups(db.pool, { from, to });

    const inMemory = new Map<string, number>();
    for (const l of sent.logs) {
      const group = `${l.service} ${lineGroupKey(l.body)}`;
      inMemory.set(group, (inMemory.get(group) ?? 0) + 1);
    }
    expect(new Map(groups.map((g) => [`${g.service} ${lineGroupKey(g.body)}`, g.count]))).toEqual(
      inMemory,
    );
    expect(groups.length).toBeLessThan(sent.logs.length);
    expect(await historyLogGroups(db.pool, { from: to, to: new Date(to.getTime() + 1) })).toEqual(
      [],
    );
  });

  it('rolls every stored line up by minute and group as it is stored', async () => {
    const { rows } = await db.pool.query<{ logs: string; rolled: string; minutes: string }>(
      `SELECT (SELECT count(*) FROM logs) AS logs,
              (SELECT sum(lines) FROM rollup_log_lines) AS rolled,
              (SELECT count(DISTINCT bucket) FROM rollup_log_lines) AS minutes`,
    );
    expect(Number(rows[0]?.rolled)).toBe(sent.logs.length);
    expect(Number(rows[0]?.logs)).toBe(sent.logs.length);
    // The timeline crosses minutes (and an hour), so some groups span several rollup rows.
    expect(Number(rows[0]?.minutes)).toBeGreaterThan(1);
  });

  it('gives the same groups whether a window ends on whole minutes or inside them', async () => {
    const inWindow = (from: number, to: number) => {
      const counts = new Map<string, number>();
      for (const l of sent.logs) {
        const ms = Number(l.timeUnixNano / 1_000_000n);
        if (ms < from || ms >= to) continue;
        const group = `${l.service} ${lineGroupKey(l.body)}`;
        counts.set(group, (counts.get(group) ?? 0) + 1);
      }
      return counts;
    };
    const minute = Math.ceil(windowStart / 60_000) * 60_000;
    const bounds: [number, number][] = [
      [minute, minute + 60_000], // one whole minute: rollup rows only
      [minute + 10_000, minute + 50_000], // inside a minute: lines only
      [windowStart + 1_234, minute + 61_500], // partial, whole, partial
      [minute - 60_000, minute + 120_000], // from before the first line, whole minutes
    ];
    for (const [from, to] of bounds) {
      const groups = await historyLogGroups(db.pool, { from: new Date(from), to: new Date(to) });
      const read = new Map(groups.map((g) => [`${g.service} ${lineGroupKey(g.body)}`, g.count]));
      expect(read).toEqual(inWindow(from, to));
    }
  });

  it("reads each operation's own latency levels per rollup bucket, as its spans were", async () => {
    const from = new Date(windowStart);
    const to = new Date(windowStart + options.durationSec * 1000 + 60_000);

    const levels = await operationLatencyLevels(db.pool, { from, to });

    // Client spans are the callee's calls, not the operation's own.
    const own = new Map<string, { calls: number; sumUs: number; histogram: number[] }>();
    for (const s of sent.spans) {
      if (s.kind === 'CLIENT') continue;
      const startUs = Number(micros(s.startTimeUnixNano));
      const bucket = Math.floor(startUs / 10_000_000);
      // Rollup buckets are read by their start: one starting before the window is not in it.
      if (bucket * 10_000 < from.getTime() || bucket * 10_000 >= to.getTime()) continue;
      const us = Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1000;
      const k = `${s.service}\u0000${s.operation}\u0000${bucket}`;
      const o = own.get(k) ?? { calls: 0, sumUs: 0, histogram: new Array<number>(122).fill(0) };
      o.calls++;
      o.sumUs += us;
      o.histogram[latencyBucket(us)]!++;
      own.set(k, o);
    }
    const expected = [...own].map(([k, o]) => {
      const [service = '', operation = ''] = k.split('\u0000');
      const p95 = histogramQuantile({ offset: 0, counts: o.histogram }, 0.95);
      return { service, operation, meanMs: o.sumUs / o.calls / 1000, p95Ms: p95! / 1000 };
    });
    // Durations are summed in whole microseconds: means agree to a few of them.
    const sorted = <T extends { service: string; operation: string; meanMs: number | null }>(
      list: T[],
    ) =>
      list
        .map((l) => ({ key: `${l.service} ${l.operation} ${l.meanMs?.toFixed(6)}`, l }))
        .sort((x, y) => x.key.localeCompare(y.key))
        .map((x) => x.l);
    expect(levels.length).toBeGreaterThan(0);
    expect(levels).toHaveLength(expected.length);
    const got = sorted(levels);
    sorted(expected).forEach((want, i) => {
      const { meanMs, ...rest } = want;
      expect(got[i]).toMatchObject(rest);
      expect(got[i]!.meanMs).toBeCloseTo(meanMs, 2);
    });
  });
  it('gives up a latency-history read past its budget with a timeout error', async () => {
    const window = { from: new Date(windowStart), to: new Date(windowStart + 60_000) };
    const err: unknown = await whileLocked(db.pool, 'rollup_operations', () =>
      operationLatencyLevels(db.pool, window, { budgetMs: 200 }),
    ).catch((e: unknown) => e);
    expect(pastStatementBudget(err)).toBe(true);
    expect((await operationLatencyLevels(db.pool, window)).length).toBeGreaterThan(0);
  });

  it('ranks without a history read past its budget and says so', async () => {
    const window = {
      faultStart: new Date(windowStart + 60_000),
      end: new Date(windowStart + 90_000),
      baselineMs: 60_000,
      historyBudgetMs: 200,
    };
    const full = await rankWindow(db.pool, window);
    const cut = await whileLocked(db.pool, 'rollup_log_lines', () => rankWindow(db.pool, window));

    expect(full.notes).toEqual([]);
    expect(cut.notes).toEqual([
      'log history of the hour before left out: not read within its 200 ms budget',
    ]);
    // Nothing was stored in the hour before this window: the ranking is the same without it.
    expect(cut.ranking.length).toBeGreaterThan(0);
    expect(cut.ranking).toEqual(full.ranking);
  });
});
