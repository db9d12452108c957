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
 * Family-wise significance of the per-service notes. A gap is noted when no span in it is
 * improbable given the service's baseline traffic, below this divided by the number of (service,
 * minute) pairs checked, so that a window of many quiet services (most of them a few calls a
 * minute) does not raise a note by chance somewhere in nearly every investigation.
 */
const significance = 0.01;

/**
 * The chance that a service reached by `baselineRequests` requests over `baselineMinutes` is
 * reached by none in `gapMinutes` at the same rate: given all of them, each falls in the gap with
 * probability gap / (baseline + gap), the exact conditional test for two Poisson counts, so a
 * rate read off a short baseline is not trusted more than its count allows. Requests, not spans,
 * arrive independently: one request may give a service dozens of spans.
 */
export function emptyGapProbability(
  baselineRequests: number,
  baselineMinutes: number,
  gapMinutes: number,
): number {
  return (baselineMinutes / (baselineMinutes + gapMinutes)) ** baselineRequests;
}

/**
 * Notes for the fault window `[faultStart, end)`, when the baseline has spans and the window has
 * metrics or logs: one when the window holds no span at all; else one for the minutes without
 * any span, and one per set of other minutes in which services sent metrics or logs but no span
 * although their baseline count makes that improbable (`emptyGapProbability`, corrected for the
 * pairs checked; an idle or untraced service raises nothing; a service whose callers stopped
 * calling it does, so the note names both causes).
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
  // Per service, the traces (requests) that reached it in the baseline.
  const baselineTraces = new Map<string, Set<string>>();
  for (const span of rows.spans) {
    const at = atMs(span.startTimeUnixNano);
    if (at < baselineStart || at >= faultStart) continue;
    let traces = baselineTraces.get(span.service);
    if (!traces) baselineTraces.set(span.service, (traces = new Set()));
    traces.add(span.traceId);
  }
  if (!baselineTraces.size || !faultOthers.size) return [];
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
  const checked = [...faultOthers].filter(([service]) => baselineTraces.has(service));
  const pairs = checked.reduce((n, [, minutes]) => n + minutes.size, 0);
  const servicesByGap = new Map<string, string[]>();
  for (const [service, minutes] of checked) {
    const seen = faultSpans.get(service);
    const gap = [...minutes].filter((m) => traced.has(m) && !seen?.has(m)).sort((a, b) => a - b);
    const gapMinutes = gap.reduce((sum, m) => sum + covered(m), 0);
    const p = emptyGapProbability(
      baselineTraces.get(service)?.size ?? 0,
      baselineMinutes,
      gapMinutes,
    );
    if (!gap.length || p >= significance / pairs) continue;
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
