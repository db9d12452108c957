import type { MetricRow } from './dataset';

const minuteMs = 60_000;

/**
 * The pod gauges a background minute of bench:live shows: each pod's recorded row of
 * `recordedMinute` (epoch ms of a minute of the recorded day), the minute the replay stands for.
 * A pod's gauges run on one timeline, so the minute before a fault's recording shows the row
 * the pod reported just before it. Rows from the quiet start of the day, looped instead, made
 * a level the pod had left long ago (or not yet reached) jump at every splice into a recording.
 * A minute with no row of its own shows the pod's latest row before it; a minute before the
 * pod's rows begin loops its rows before `firstRecorded` (the day's first recorded fault minute),
 * so that the loop ends on the row just before that minute.
 */
export function gaugesOfMinute(
  podRows: ReadonlyMap<string, readonly MetricRow[]>,
  recordedMinute: number,
  firstRecorded: number,
): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const list of podRows.values()) {
    const row =
      list.filter((r) => r.timeMs < recordedMinute + minuteMs).at(-1) ??
      loopedBefore(list, recordedMinute, firstRecorded);
    if (row) rows.push(row);
  }
  return rows;
}

function loopedBefore(
  list: readonly MetricRow[],
  recordedMinute: number,
  firstRecorded: number,
): MetricRow | undefined {
  const before = list.filter((r) => r.timeMs < firstRecorded);
  if (!before.length) return undefined;
  const back = Math.floor((recordedMinute - firstRecorded) / minuteMs);
  return before[((back % before.length) + before.length) % before.length]!;
}
