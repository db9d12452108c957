import {
  listFaults,
  metricPods,
  minuteName,
  minuteStart,
  readLogMinute,
  readPodMetrics,
  readTraceMinute,
  type LogRow,
  type MetricRow,
  type NezhaFault,
  type TraceRow,
} from './dataset';
import {
  chunk,
  inferSpanKinds,
  logsRequest,
  metricsRequest,
  renameId,
  tracesRequest,
} from './otlp';
import { recordingStartMs } from './recording-start';
import { baselineSource, msToNs, type BaselineSource, type ExportRequest } from './replay';
import { backgroundGauge, recordedGaugesOfMinute } from './scrape-phase';
import { selectFaults, type NumberedFault } from './fault-selection';

/**
 * The timeline bench:live plays, and bench:live-replay plays in simulated time, so the two cannot
 * drift. Per day: the day's fault-free minute looped as background (every loop renames the ids
 * and moves each trace to a random second of its minute; its logs move with it), with the day's
 * pod metrics from before its first fault looped beside it; a warm-up that is not scored,
 * fault-free minutes that are, then each fault's three recorded minutes (traces, logs, metrics)
 * in turn, placed where their traffic begins (see recordingStartMs; their gauges by whole minutes, see recordedGaugesOfMinute), with background
 * between faults.
 */
export interface LiveSettings {
  /** short: the first fault of each type on the Train Ticket days; full: every fault. */
  profile: 'short' | 'full';
  days: string[];
  warmupMinutes: number;
  faultFreeMinutes: number;
  gapMinutes: number;
  seed: number;
  /** Only the first this many faults of each day (for quick checks); all by default. */
  faultsPerDay?: number;
  /** LIVE_FAULTS: only these faults (`<day>#<number>`, see selectFaults), whatever the profile. */
  faults?: string;
}

/** The settings from LIVE_PROFILE, LIVE_DAYS, LIVE_WARMUP_MINUTES, LIVE_FAULT_FREE_MINUTES, LIVE_GAP_MINUTES, LIVE_SEED, LIVE_FAULTS_PER_DAY, LIVE_FAULTS. */
export function liveSettings(env: Readonly<Record<string, string | undefined>>): LiveSettings {
  const profile = env.LIVE_PROFILE ?? 'short';
  if (profile !== 'short' && profile !== 'full') throw new Error(`unknown LIVE_PROFILE ${profile}`);
  return {
    profile,
    days:
      env.LIVE_DAYS?.split(',') ??
      (profile === 'short'
        ? ['2023-01-30', '2023-01-29']
        : ['2023-01-30', '2023-01-29', '2022-08-22']),
    warmupMinutes: Number(env.LIVE_WARMUP_MINUTES ?? 3),
    faultFreeMinutes: Number(env.LIVE_FAULT_FREE_MINUTES ?? (profile === 'short' ? 3 : 20)),
    gapMinutes: Number(env.LIVE_GAP_MINUTES ?? (profile === 'short' ? 1 : 2)),
    seed: Number(env.LIVE_SEED ?? 1),
    ...(env.LIVE_FAULTS_PER_DAY && { faultsPerDay: Number(env.LIVE_FAULTS_PER_DAY) }),
    ...(env.LIVE_FAULTS && { faults: env.LIVE_FAULTS }),
  };
}

/** The env line that reproduces a run with these settings. */
export function settingsLine(s: LiveSettings): string {
  return `LIVE_PROFILE=${s.profile} LIVE_DAYS=${s.days.join(',')} LIVE_WARMUP_MINUTES=${s.warmupMinutes} LIVE_FAULT_FREE_MINUTES=${s.faultFreeMinutes} LIVE_GAP_MINUTES=${s.gapMinutes} LIVE_SEED=${s.seed}${s.faultsPerDay === undefined ? '' : ` LIVE_FAULTS_PER_DAY=${s.faultsPerDay}`}${s.faults === undefined ? '' : ` LIVE_FAULTS=${s.faults}`}`;
}

export const minuteMs = 60_000;
/**
 * How long before its start a minute is built, so that every row goes when it is due. A
 * recording's file can hold traffic that began up to a minute before the minute it is named for
 * (on 2022-08-22 the file after an empty one begins 36–56 s early): built only just before its
 * start, such a minute posted those seconds' spans in one late burst, after as long a silence.
 */
export const buildAheadMs = minuteMs + 5_000;
/**
 * After the last fault: time for its incident to be ranked, and ranked again once its window has
 * matured (three minutes after its first anomaly), before the table is read.
 */
export const settleMs = 240_000;
const faultMinutes = 3;

/** The faults a run replays, per day, numbered 1-based in their day's injection order. */
function faultsByDay(settings: LiveSettings): Map<string, NumberedFault[]> {
  if (settings.faults) return selectFaults(settings.faults, settings.days, listFaults);
  const byDay = new Map<string, NumberedFault[]>();
  for (const day of settings.days) {
    const all = listFaults(day).map((fault, i) => ({ fault, number: i + 1 }));
    const seen = new Set<string>();
    byDay.set(
      day,
      settings.profile === 'full'
        ? all
        : all.filter(({ fault: f }) => !seen.has(f.type) && seen.add(f.type)),
    );
  }
  return byDay;
}

/** A small deterministic generator (mulberry32): the same seed scatters traces the same way. */
function random(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One minute of telemetry, already moved to its place on the timeline; each row is due when a
 * real exporter would send it (a span when it ends, a log line or metric point when stamped).
 */
export interface Minute {
  spans: TraceRow[];
  logs: LogRow[];
  metrics: MetricRow[];
  kinds: ReadonlyMap<string, number>;
  ids: (id: string) => string;
}

interface DaySource {
  day: string;
  baseline: BaselineSource;
  kinds: ReadonlyMap<string, number>;
  /** Per pod, its metric rows of the minutes before the day's first fault. */
  metrics: MetricRow[][];
  /** Every pod's metric rows of the day (fault minutes read from here). */
  dayMetrics: MetricRow[];
}

function loadDay(day: string): DaySource {
  const baseline = baselineSource(day);
  const firstFault = listFaults(day)[0]!.injectTime.getTime();
  const fresh = Math.floor(firstFault / minuteMs) * minuteMs - minuteMs;
  const dayMetrics: MetricRow[] = [];
  const metrics: MetricRow[][] = [];
  for (const pod of metricPods(day)) {
    const rows = readPodMetrics(day, pod);
    dayMetrics.push(...rows);
    const before = rows.filter((r) => r.timeMs < fresh);
    if (before.length) metrics.push(before);
  }
  return { day, baseline, kinds: inferSpanKinds(baseline.spans), metrics, dayMetrics };
}

/** Background minute `index` of a day, starting at `at` (epoch ms). */
function backgroundMinute(source: DaySource, at: number, index: number, rand: () => number) {
  const { baseline } = source;
  const copy = `live-${source.day}-${at}`;
  const shiftOf = new Map<string, bigint>();
  const traceStart = new Map<string, bigint>();
  for (const s of baseline.spans) {
    const t = traceStart.get(s.traceId);
    if (t === undefined || s.startNs < t) traceStart.set(s.traceId, s.startNs);
  }
  for (const [trace, start] of traceStart) {
    const offset = msToNs(at + rand() * minuteMs);
    shiftOf.set(trace, offset - start);
  }
  const spans = baseline.spans.map((s) => {
    const shift = shiftOf.get(s.traceId)!;
    return { ...s, startNs: s.startNs + shift, endNs: s.endNs + shift };
  });
  // A line of a trace moves with it; a line of no trace lands at a random second too.
  const logs = baseline.logs.map((l) => {
    const shift = l.traceId ? shiftOf.get(l.traceId) : undefined;
    return {
      ...l,
      timeNs: shift === undefined ? msToNs(at + rand() * minuteMs) : l.timeNs + shift,
    };
  });
  const metrics = source.metrics.map((rows) => backgroundGauge(rows[index % rows.length]!, at));
  return { spans, logs, metrics, kinds: source.kinds, ids: (id: string) => renameId(id, copy) };
}

/**
 * Fault minute `m` (0…2) of `fault`: its recorded file, moved so that the recording's traffic
 * (beginning at `recordedStart`, epoch ms of the recorded day) begins at `segmentStart`; its pod
 * gauges by whole minutes (see recordedGaugesOfMinute).
 */
function faultMinute(
  source: DaySource,
  fault: NezhaFault,
  recordedStart: number,
  segmentStart: number,
  m: number,
) {
  const minute = minuteName(new Date(recordedMinuteOf(fault) + m * minuteMs));
  const shift = msToNs(segmentStart - recordedStart);
  const rows = readTraceMinute(fault.day, minute) ?? [];
  const kinds = inferSpanKinds(rows);
  const spans = rows.map((s) => ({ ...s, startNs: s.startNs + shift, endNs: s.endNs + shift }));
  const logs = (readLogMinute(fault.day, minute) ?? []).map((l) => ({
    ...l,
    timeNs: l.timeNs + shift,
  }));
  const metrics = recordedGaugesOfMinute(source.dayMetrics, recordedStart, segmentStart, m);
  return { spans, logs, metrics, kinds, ids: (id: string) => id };
}

/** The recorded minute whose file holds a fault's injection (epoch ms). */
function recordedMinuteOf(fault: NezhaFault): number {
  return minuteStart(fault.day, minuteName(fault.injectTime)).getTime();
}

/** Where a fault's recording begins (epoch ms of the recorded day): see recordingStartMs. */
function recordingStartOf(fault: NezhaFault): number {
  const first = recordedMinuteOf(fault);
  return recordingStartMs(readTraceMinute(fault.day, minuteName(new Date(first))) ?? [], first);
}

/** A minute of the run; built in order (background minutes draw from the seeded generator). */
export interface PlannedMinute {
  at: number;
  build: () => Minute;
}

export interface FaultSlot {
  fault: NezhaFault;
  /** The fault's number in its day (see LIVE_FAULTS). */
  number: number;
  injectAt: number;
  /** Incidents opened from the injection until here are this fault's. */
  until: number;
}

/** A fault-free stretch: the looped background, or a fault file's seconds before injection. */
export interface ScoredStretch {
  from: number;
  to: number;
  day: string;
  looped: boolean;
}

export interface LivePlan {
  minutes: PlannedMinute[];
  slots: FaultSlot[];
  scored: ScoredStretch[];
  /** Days with at least one fault replayed (each has its warm-up). */
  replayedDays: number;
  end: number;
}

/**
 * The background minutes right before a fault's recording carry the pods' gauges recorded in the
 * minutes before it. A pod's state when the recording begins often began minutes earlier (a quiet
 * Train Ticket pod's client latency sits at 28 s for 4–6 minutes every half hour): after the
 * looped rows of another hour it read as a step with the fault, which the offline protocol,
 * whose baseline is the recording's own minutes before the injection, never shows (issue #20,
 * round 24). Their traffic stays the looped background's.
 */
function carryRecordedGauges(
  planned: readonly PlannedMinute[],
  dayMetrics: readonly MetricRow[],
  recording: { recordedStart: number; segmentStart: number },
) {
  for (const minute of planned) {
    const build = minute.build;
    const m = Math.round((minute.at - recording.segmentStart) / minuteMs);
    minute.build = () => ({
      ...build(),
      metrics: recordedGaugesOfMinute(
        dayMetrics,
        recording.recordedStart,
        recording.segmentStart,
        m,
      ),
    });
  }
}

/** The whole run from `start` (epoch ms): minutes to send, fault slots, and which stretches are fault-free. */
export function plan(start: number, settings: LiveSettings): LivePlan {
  const rand = random(settings.seed);
  const minutes: PlannedMinute[] = [];
  const slots: FaultSlot[] = [];
  const scored: ScoredStretch[] = [];
  let t = start;
  let replayedDays = 0;
  const byDay = faultsByDay(settings);
  for (const day of settings.days) {
    const faults = (byDay.get(day) ?? []).slice(0, settings.faultsPerDay);
    if (!faults.length) continue;
    replayedDays++;
    const source = loadDay(day);
    let index = 0;
    const background = (n: number) => {
      for (let i = 0; i < n; i++, t += minuteMs) {
        const at = t;
        const k = index++;
        minutes.push({ at, build: () => backgroundMinute(source, at, k, rand) });
      }
    };
    background(settings.warmupMinutes);
    const freeFrom = t;
    background(settings.faultFreeMinutes);
    scored.push({ from: freeFrom, to: t, day, looped: true });
    for (const { fault, number } of faults) {
      const segmentStart = t;
      const recordedStart = recordingStartOf(fault);
      carryRecordedGauges(
        settings.gapMinutes > 0 ? minutes.slice(-settings.gapMinutes) : [],
        source.dayMetrics,
        { recordedStart, segmentStart },
      );
      const injectAt = segmentStart + (fault.injectTime.getTime() - recordedStart);
      // The recorded seconds before the injection are fault-free traffic too.
      scored.push({ from: segmentStart, to: injectAt, day, looped: false });
      for (let m = 0; m < faultMinutes; m++, t += minuteMs) {
        const at = t;
        minutes.push({
          at,
          build: () => faultMinute(source, fault, recordedStart, segmentStart, m),
        });
      }
      background(settings.gapMinutes);
      slots.push({ fault, number, injectAt, until: t });
    }
  }
  return { minutes, slots, scored, replayedDays, end: t };
}

/**
 * Takes from `minute` what is due by `now` (epoch ms) as OTLP/JSON requests, one per signal
 * (traces and logs in parts of 2000 rows), in the order a sender posts them.
 */
export function takeDue(minute: Minute, now: number): ExportRequest[] {
  const nowNs = msToNs(now);
  const spans = minute.spans.filter((s) => s.endNs <= nowNs);
  const logs = minute.logs.filter((l) => l.timeNs <= nowNs);
  const metrics = minute.metrics.filter((r) => r.timeMs <= now);
  minute.spans = minute.spans.filter((s) => s.endNs > nowNs);
  minute.logs = minute.logs.filter((l) => l.timeNs > nowNs);
  minute.metrics = minute.metrics.filter((r) => r.timeMs > now);
  return [
    ...chunk(spans, 2000).map((part) => ({
      signal: 'traces' as const,
      body: tracesRequest(part, minute.kinds, 0n, minute.ids),
    })),
    ...chunk(logs, 2000).map((part) => ({
      signal: 'logs' as const,
      body: logsRequest(part, 0n, minute.ids),
    })),
    ...(metrics.length ? [{ signal: 'metrics' as const, body: metricsRequest(metrics, 0n) }] : []),
  ];
}

/**
 * What the run sends by each `now` (epoch ms, called in increasing order): each minute built
 * ahead of its start (see buildAheadMs), each row handed over once when due (see takeDue), a
 * minute let go once all of it is sent.
 */
export function dueRequests(minutes: readonly PlannedMinute[]): (now: number) => ExportRequest[] {
  let pending: Minute[] = [];
  let next = 0;
  return (now) => {
    while (next < minutes.length && minutes[next]!.at <= now + buildAheadMs) {
      pending.push(minutes[next++]!.build());
    }
    const due = pending.flatMap((minute) => takeDue(minute, now));
    pending = pending.filter((m) => m.spans.length || m.logs.length || m.metrics.length);
    return due;
  };
}
