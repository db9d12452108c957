import type { LogRecord, MetricPoint, Span } from '../../simulator/telemetry';

/**
 * What the investigation should say when the fault window lacks traces that the other telemetry
 * shows were expected: a ranking without a service's spans can only rest on its metrics and
 * logs, and a user reading a weak or wrong first candidate should know the data was not there
 * (a collector that dropped minutes, a replay with gaps). It reports; it does not rank.
 */

const minuteMs = 60_000;

export interface WindowRows {
  spans: readonly Span[];
  logs: readonly LogRecord[];
  metrics: readonly MetricPoint[];
}

/** Per service, the wall-clock minutes (ms since the epoch / 60 000) it sent rows in. */
type MinutesByService = Map<string, Set<number>>;

function minutesOf(
  rows: Iterable<{ service: string; atMs: number }>,
  from: number,
  to: number,
): MinutesByService {
  const minutes: MinutesByService = new Map();
  for (const { service, atMs } of rows) {
    if (atMs < from || atMs >= to) continue;
    let set = minutes.get(service);
    if (!set) minutes.set(service, (set = new Set()));
    set.add(Math.floor(atMs / minuteMs));
  }
  return minutes;
}

const clock = (minute: number) => new Date(minute * minuteMs).toISOString().slice(11, 16);
const instant = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/**
 * A minute the baseline's rate would have given at least this many spans: an empty one by chance
 * (Poisson) has a probability under 1%, so it is missing data rather than a quiet service.
 */
const expectedSpans = 5;

/**
 * Notes for the fault window `[faultStart, end)`, when the baseline has spans and the window has
 * metrics or logs: one when the window holds no span at all; else one for the minutes without
 * any span, and one per set of other minutes in which services sent metrics or logs but no span
 * although their baseline rate says they should have (an idle or untraced service raises
 * nothing; a service whose callers stopped calling it does, so the note names both causes).
 */
export function missingDataNotes(
  rows: WindowRows,
  window: { baselineStart: number; faultStart: number; end: number },
): string[] {
  const { baselineStart, faultStart, end } = window;
  const atMs = (nano: bigint) => Number(nano / 1_000_000n);
  const spans = rows.spans.map((s) => ({ service: s.service, atMs: atMs(s.startTimeUnixNano) }));
  const others = [
    ...rows.logs.map((l) => ({ service: l.service, atMs: atMs(l.timeUnixNano) })),
    ...rows.metrics.map((m) => ({ service: m.service, atMs: atMs(m.timeUnixNano) })),
  ];
  const faultSpans = minutesOf(spans, faultStart, end);
  const faultOthers = minutesOf(others, faultStart, end);
  const baselineSpans = new Map<string, number>();
  for (const { service, atMs: at } of spans)
    if (at >= baselineStart && at < faultStart)
      baselineSpans.set(service, (baselineSpans.get(service) ?? 0) + 1);
  if (!baselineSpans.size || !faultOthers.size) return [];
  const faultWindow = `the fault window ${instant(faultStart)}–${instant(end)} UTC`;
  if (!faultSpans.size) {
    return [
      `missing data: no spans in ${faultWindow} although the baseline has them; the ranking rests ` +
        `on the metrics and logs of ${faultOthers.size} services`,
    ];
  }
  const traced = new Set([...faultSpans.values()].flatMap((minutes) => [...minutes]));
  const untraced = [...new Set([...faultOthers.values()].flatMap((minutes) => [...minutes]))]
    .filter((m) => !traced.has(m))
    .sort((a, b) => a - b);
  const notes = untraced.length
    ? [
        `missing data: no spans at all in ${untraced.map(clock).join(', ')} UTC of ${faultWindow} ` +
          `while metrics or logs are there`,
      ]
    : [];
  const baselineMinutes = (faultStart - baselineStart) / minuteMs;
  // The part of minute m inside the fault window, in minutes.
  const covered = (m: number) =>
    (Math.min(end, (m + 1) * minuteMs) - Math.max(faultStart, m * minuteMs)) / minuteMs;
  const servicesByGap = new Map<string, string[]>();
  for (const [service, minutes] of faultOthers) {
    const perMinute = (baselineSpans.get(service) ?? 0) / baselineMinutes;
    const seen = faultSpans.get(service);
    const gap = [...minutes]
      .filter((m) => traced.has(m) && !seen?.has(m) && perMinute * covered(m) >= expectedSpans)
      .sort((a, b) => a - b);
    if (!gap.length) continue;
    const key = gap.map(clock).join(', ');
    servicesByGap.set(key, [...(servicesByGap.get(key) ?? []), service]);
  }
  return [
    ...notes,
    ...[...servicesByGap]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([minutes, services]) =>
          `missing data: no spans of ${services.sort().join(', ')} in ${minutes} UTC although ` +
          `the baseline's rate expects them and ${services.length > 1 ? 'their' : 'its'} ` +
          `metrics or logs are there (traces lost, or calls stopped)`,
      ),
  ];
}
