import type { TraceRow } from './dataset';

/** Spans of a file that began before its traffic does (long traces caught mid-way) left out. */
const stragglerShare = 0.01;

/**
 * Where a recorded minute's traffic begins (epoch ms): the minute its file is named for moved by
 * whole seconds, usually back. The collector cut its files off the wall-clock minute: on 2023-01-30
 * a file holds about 7 s before its minute to 53 s into it, on 2023-01-29 about 51 s before it
 * to 9 s into it. Replayed from the named minute, a recording's first seconds landed on the
 * background minute before it (twice the traffic) and its last seconds left a hole before the
 * next background minute (no traffic at all): real traffic shows neither. The earliest 1% of
 * span starts is left out.
 */
export function recordingStartMs(spans: readonly TraceRow[], minuteStart: number): number {
  if (!spans.length) return minuteStart;
  const starts = spans.map((s) => Number(s.startNs / 1_000_000n)).sort((a, b) => a - b);
  const begin = starts[Math.floor(stragglerShare * (starts.length - 1))]!;
  return minuteStart + Math.floor((begin - minuteStart) / 1000) * 1000;
}
