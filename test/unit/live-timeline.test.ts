import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { defaultNezhaRoot } from '../../bench/nezha/dataset';
import {
  buildAheadMs,
  dueRequests,
  liveSettings,
  plan,
  settingsLine,
  takeDue,
  type Minute,
} from '../../bench/nezha/live-timeline';
import type { ExportRequest } from '../../bench/nezha/replay';

const start = Date.UTC(2026, 11, 5, 22, 0, 0);
const settings = {
  ...liveSettings({ LIVE_DAYS: '2023-01-29', LIVE_FAULTS_PER_DAY: '1' }),
  warmupMinutes: 1,
  faultFreeMinutes: 1,
  gapMinutes: 1,
};
/** What a built minute sends: its rows' times and (renamed) ids. */
const sent = (m: Minute) => ({
  spans: m.spans.map((s) => `${m.ids(s.traceId)}/${m.ids(s.spanId)}@${s.startNs}-${s.endNs}`),
  logs: m.logs.map((l) => `${l.timeNs}`),
  metrics: m.metrics.map((r) => `${r.pod}@${r.timeMs}`),
});

// The Nezha recordings are the shared benchmark data (../shared/data), not part of the repository.
const hasNezha = existsSync(defaultNezhaRoot);

describe.skipIf(!hasNezha)("bench:live's timeline", () => {
  it('defaults to the short profile on the two Train Ticket days', () => {
    expect(settingsLine(liveSettings({}))).toBe(
      'LIVE_PROFILE=short LIVE_DAYS=2023-01-30,2023-01-29 LIVE_WARMUP_MINUTES=3 LIVE_FAULT_FREE_MINUTES=3 LIVE_GAP_MINUTES=1 LIVE_SEED=1',
    );
  });

  it('plays the same minutes for the same seed, and scatters them otherwise for another', () => {
    const built = (seed: number) =>
      plan(start, { ...settings, seed }).minutes.map((m) => sent(m.build()));
    const once = built(1);
    expect(once).toHaveLength(6);
    expect(built(1)).toEqual(once);
    const other = built(2);
    // Background minutes move traces to other seconds; the fault's recorded minutes do not move.
    expect(other[0]!.spans).not.toEqual(once[0]!.spans);
    expect(other[2]!.spans).toEqual(once[2]!.spans);
  }, 60_000);

  it("places the fault's injection inside its recording, after fault-free seconds that are scored", () => {
    const run = plan(start, settings);
    const [slot] = run.slots;
    const segment = start + 2 * 60_000;
    expect(run.slots).toHaveLength(1);
    expect(slot!.injectAt).toBeGreaterThan(segment);
    expect(slot!.injectAt).toBeLessThan(segment + 3 * 60_000);
    expect(slot!.until).toBe(run.end);
    expect(run.scored).toEqual([
      { from: start + 60_000, to: segment, day: '2023-01-29', looped: true },
      { from: segment, to: slot!.injectAt, day: '2023-01-29', looped: false },
    ]);
  }, 60_000);

  it("gives the minute before a fault's recording the pods' gauges recorded before it", () => {
    const [, beforeRecording, firstOfRecording] = plan(start, settings).minutes.map((m) =>
      m.build(),
    );
    const preserveOther = (m: Minute) =>
      m.metrics.find((r) => r.pod.startsWith('ts-preserve-other-service'));
    // 2023-01-29's first recording (09:03:53) begins in its 09:02 gauges; at 09:01 this pod's
    // client latency sat at 29.2 s, where the looped rows before 08:50 had 0.005 s.
    expect(preserveOther(beforeRecording!)?.values['PodClientLatencyP99(s)']).toBeCloseTo(29.2, 5);
    // One row a minute, at the second the recording's rows keep.
    expect(preserveOther(firstOfRecording!)!.timeMs - preserveOther(beforeRecording!)!.timeMs).toBe(
      60_000,
    );
  }, 60_000);

  it('hands each row over once, when due', () => {
    const [first] = plan(start, settings).minutes;
    const minute = first!.build();
    const rows = (m: Minute) => m.spans.length + m.logs.length + m.metrics.length;
    const total = rows(minute);
    expect(takeDue(minute, start - 1)).toEqual([]);
    expect(rows(minute)).toBe(total);
    expect(takeDue(minute, start + 30_000).length).toBeGreaterThan(0);
    const half = BigInt(start + 30_000) * 1_000_000n;
    expect(minute.spans.every((s) => s.endNs > half)).toBe(true);
    expect(rows(minute)).toBeLessThan(total);
    expect(rows(minute)).toBeGreaterThan(0);
    expect(takeDue(minute, start + 120_000).length).toBeGreaterThan(0);
    expect(rows(minute)).toBe(0);
  }, 60_000);

  it('sends every span of the run once, none before it ends', async () => {
    let built = 0;
    const minutes = plan(start, settings).minutes.map((m) => ({
      at: m.at,
      build: () => {
        const minute = m.build();
        built += minute.spans.length;
        return minute;
      },
    }));
    const requestsDue = dueRequests(minutes);
    /** The end times of a traces request's spans (OTLP/JSON). */
    const spanEnds = (r: ExportRequest) =>
      r.signal === 'traces'
        ? (
            r.body as {
              resourceSpans: { scopeSpans: { spans: { endTimeUnixNano: string }[] }[] }[];
            }
          ).resourceSpans.flatMap((rs) =>
            rs.scopeSpans.flatMap((ss) => ss.spans.map((sp) => BigInt(sp.endTimeUnixNano))),
          )
        : [];
    let sent = 0;
    const end = minutes.at(-1)!.at + 3 * 60_000;
    for (let now = start - buildAheadMs - 5_000; now <= end; now += 5_000) {
      const ends = requestsDue(now).flatMap(spanEnds);
      expect(ends.every((e) => e <= BigInt(now) * 1_000_000n)).toBe(true);
      sent += ends.length;
      // A whole run's minutes are seconds of work: let the test worker answer its runner.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(built).toBeGreaterThan(0);
    expect(sent).toBe(built);
  }, 60_000);

  it("builds each minute before any of its rows is due, so a file's early traffic is on time", () => {
    // 2022-08-22 #11's injection minute has no file; the next file's traffic begins 44 s before
    // the minute it is named for.
    const early = plan(start, {
      ...liveSettings({ LIVE_DAYS: '2022-08-22', LIVE_FAULTS: '2022-08-22#11' }),
      warmupMinutes: 1,
      faultFreeMinutes: 1,
      gapMinutes: 1,
    });
    for (const m of early.minutes) {
      const ends = m.build().spans.map((s) => Number(s.endNs / 1_000_000n));
      expect(Math.min(...ends)).toBeGreaterThanOrEqual(m.at - buildAheadMs);
    }
  }, 60_000);
});
