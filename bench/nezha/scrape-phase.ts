import type { MetricRow } from './dataset';

const minuteMs = 60_000;

/**
 * A recording's pod gauges of its minute `m` (0, 1, …), placed on the replay's clock for a
 * segment starting at `segmentStart` (a whole minute). Each pod reports once a minute at its own
 * second, and the looped background keeps that second on the replay's clock. So the recording's
 * rows move by whole minutes, from the recorded minute nearest where its traffic begins
 * (`recordedStart`): each keeps its second, and a pod's first recorded row comes a minute after
 * its last background row. Moved with the traffic instead (a fraction of a minute more: 2023-01-30's
 * traffic begins 7 s before its minute), that row came 6–12 s after the background's: two
 * readings of one pod in consecutive buckets, which real telemetry never shows and the
 * correlation reads as a gauge off again in a later bucket. The gauges then sit up to half a minute
 * off the traffic of the same recorded moment (7 s on 2023-01-30, 9 s on 2023-01-29).
 */
export function recordedGaugesOfMinute(
  dayRows: readonly MetricRow[],
  recordedStart: number,
  segmentStart: number,
  m: number,
): MetricRow[] {
  const origin = Math.round(recordedStart / minuteMs) * minuteMs;
  const from = origin + m * minuteMs;
  return dayRows
    .filter((r) => r.timeMs >= from && r.timeMs < from + minuteMs)
    .map((r) => ({ ...r, timeMs: r.timeMs + segmentStart - origin }));
}

/**
 * A pod's background row on the replay's clock, in the minute starting at `minuteAt` (a whole
 * minute): at the second the pod reported it (see recordedGaugesOfMinute).
 */
export function backgroundGauge(row: MetricRow, minuteAt: number): MetricRow {
  return { ...row, timeMs: minuteAt + (row.timeMs % minuteMs) };
}
