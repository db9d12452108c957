import { describe, expect, it } from 'vitest';
import type { MetricRow } from '../../bench/nezha/dataset';
import { backgroundGauge, recordedGaugesOfMinute } from '../../bench/nezha/scrape-phase';

const pod = 'ts-order-service-5b67c48447-fj8b7';
/** A pod that reports at second 53 of every recorded minute from 11:40 to 11:55. */
const minute = (hhmm: string) => Date.parse(`2023-01-30T${hhmm}:00Z`);
const rows: MetricRow[] = Array.from({ length: 16 }, (_, i) => ({
  timeMs: minute('11:40') + i * 60_000 + 53_000,
  pod,
  values: { 'CpuUsage(m)': i },
}));
/** The replay's clock: a segment starting on a whole minute. */
const segment = Date.parse('2026-12-05T22:05:00Z');

describe("a recording's pod gauges on the replay's clock", () => {
  it('come a minute after the pod’s last background row, not seconds after it', () => {
    // 2023-01-30: the traffic of the 11:51 file begins 7 s before its minute.
    const recordedStart = minute('11:51') - 7_000;
    const lastBackground = backgroundGauge(rows[0]!, segment - 60_000);
    const first = recordedGaugesOfMinute(rows, recordedStart, segment, 0);
    expect(first).toHaveLength(1);
    expect(first[0]!.timeMs - lastBackground.timeMs).toBe(60_000);
  });

  it('keep each row’s recorded second and its place among the recording’s minutes', () => {
    const recordedStart = minute('11:51') - 7_000;
    const placed = [0, 1, 2].flatMap((m) =>
      recordedGaugesOfMinute(rows, recordedStart, segment, m),
    );
    expect(placed.map((r) => r.timeMs - segment)).toEqual([53_000, 113_000, 173_000]);
    expect(placed.map((r) => r.values['CpuUsage(m)'])).toEqual([11, 12, 13]);
  });

  it('start at the recorded minute nearest the traffic when it begins most of a minute early', () => {
    // 2023-01-29: a file's traffic begins about 51 s before its minute.
    const recordedStart = minute('11:51') - 51_000;
    const first = recordedGaugesOfMinute(rows, recordedStart, segment, 0);
    expect(first.map((r) => [r.timeMs - segment, r.values['CpuUsage(m)']])).toEqual([[53_000, 10]]);
  });

  it('leave a background row at the second it was recorded, in the minute it stands for', () => {
    expect(backgroundGauge(rows[3]!, segment).timeMs - segment).toBe(53_000);
  });
});
