import { median } from '../activities/rca/stats';
import { createPool, type Pool } from '../store/db';
import { databaseUrl, loadConfig } from '../worker/config';
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
} from './nezha/dataset';
import {
  chunk,
  inferSpanKinds,
  logsRequest,
  metricsRequest,
  renameId,
  tracesRequest,
} from './nezha/otlp';
import { selectFaults, type NumberedFault } from './nezha/fault-selection';
import { recordingStartOffsetMs } from './nezha/recording-start';
import { baselineSource, type BaselineSource, type ExportRequest } from './nezha/replay';
import { sendRequest } from './nezha/send';

/**
 * `npm run bench:live`: the Nezha data replayed in real time into a running engine
 * (`npm start -- --no-demo`) through its OTLP/HTTP receiver, time-shifted to now, and scored
 * from the engine's own incident table. Per day: the day's fault-free minute looped as
 * background (every loop renames the ids and moves each trace to a random second of its
 * minute; its logs move with it), with the day's pod metrics from before its first fault
 * looped beside it; a warm-up that is not scored, fault-free minutes that are, then each fault's
 * three recorded minutes (traces, logs, metrics) in turn, placed where their traffic begins
 * (see recordingStartOffsetMs), with background between faults.
 *
 * LIVE_PROFILE=short (default: the first fault of each type on the Train Ticket days) or full
 * (every fault of every day); LIVE_DAYS (comma-separated, to replay fewer days); LIVE_FAULTS
 * (comma-separated `<day>#<number>`, e.g. `2022-08-22#8,2022-08-22#13`: only these faults of the
 * replayed days, numbered 1-based in their day's injection order whatever the profile; the
 * report's # column then shows that number); LIVE_WARMUP_MINUTES, LIVE_FAULT_FREE_MINUTES,
 * LIVE_GAP_MINUTES, LIVE_SEED. The engine is found as `npm start` runs it (same environment:
 * AIOPS_HOME, ports).
 */
const env = process.env;
const profile = env.LIVE_PROFILE ?? 'short';
if (profile !== 'short' && profile !== 'full') throw new Error(`unknown LIVE_PROFILE ${profile}`);
const warmupMinutes = Number(env.LIVE_WARMUP_MINUTES ?? 3);
const faultFreeMinutes = Number(env.LIVE_FAULT_FREE_MINUTES ?? (profile === 'short' ? 3 : 20));
const gapMinutes = Number(env.LIVE_GAP_MINUTES ?? (profile === 'short' ? 1 : 2));
const seed = Number(env.LIVE_SEED ?? 1);
const faultMinutes = 3;
/**
 * After the last fault: time for its incident to be ranked, and ranked again once its window has
 * matured (three minutes after its first anomaly), before the table is read.
 */
const settleMs = 240_000;
const minuteMs = 60_000;
const tickMs = 1_000;

const days =
  env.LIVE_DAYS?.split(',') ??
  (profile === 'short' ? ['2023-01-30', '2023-01-29'] : ['2023-01-30', '2023-01-29', '2022-08-22']);

const selection = env.LIVE_FAULTS ? selectFaults(env.LIVE_FAULTS, days, listFaults) : undefined;

function faultsOf(day: string): NumberedFault[] {
  if (selection) return selection.get(day) ?? [];
  const all = listFaults(day).map((fault, i) => ({ fault, number: i + 1 }));
  if (profile === 'full') return all;
  const seen = new Set<string>();
  return all.filter(({ fault: f }) => !seen.has(f.type) && seen.add(f.type));
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

const msToNs = (ms: number) => BigInt(Math.round(ms)) * 1_000_000n;

/**
 * One minute of telemetry, already moved to its place on the timeline; each row is due when a
 * real exporter would send it (a span when it ends, a log line or metric point when stamped).
 */
interface Minute {
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
  const metrics = source.metrics.map((rows) => {
    const row = rows[index % rows.length]!;
    return { ...row, timeMs: at + (row.timeMs % minuteMs) };
  });
  return { spans, logs, metrics, kinds: source.kinds, ids: (id: string) => renameId(id, copy) };
}

/**
 * Fault minute `m` (0…2) of `fault`: its recorded file, moved so that the recording's traffic
 * (beginning at `recordedStart`, epoch ms of the recorded day) begins at `segmentStart`.
 */
function faultMinute(
  source: DaySource,
  fault: NezhaFault,
  recordedStart: number,
  segmentStart: number,
  m: number,
) {
  const minute = minuteName(new Date(recordedMinuteOf(fault) + m * minuteMs));
  const shiftMs = segmentStart - recordedStart;
  const shift = msToNs(shiftMs);
  const rows = readTraceMinute(fault.day, minute) ?? [];
  const kinds = inferSpanKinds(rows);
  const spans = rows.map((s) => ({ ...s, startNs: s.startNs + shift, endNs: s.endNs + shift }));
  const logs = (readLogMinute(fault.day, minute) ?? []).map((l) => ({
    ...l,
    timeNs: l.timeNs + shift,
  }));
  const from = recordedStart + m * minuteMs;
  const metrics = source.dayMetrics
    .filter((r) => r.timeMs >= from && r.timeMs < from + minuteMs)
    .map((r) => ({ ...r, timeMs: r.timeMs + shiftMs }));
  return { spans, logs, metrics, kinds, ids: (id: string) => id };
}

/** The recorded minute whose file holds a fault's injection (epoch ms). */
function recordedMinuteOf(fault: NezhaFault): number {
  return minuteStart(fault.day, minuteName(fault.injectTime)).getTime();
}

/** Where a fault's recording begins (epoch ms of the recorded day): see recordingStartOffsetMs. */
function recordingStartOf(fault: NezhaFault): number {
  const first = recordedMinuteOf(fault);
  const spans = readTraceMinute(fault.day, minuteName(new Date(first))) ?? [];
  return first + recordingStartOffsetMs(spans, first);
}

interface Planned {
  at: number;
  build: () => Minute;
}

interface FaultSlot {
  fault: NezhaFault;
  /** The fault's number in its day (see LIVE_FAULTS). */
  number: number;
  injectAt: number;
  /** Incidents opened from the injection until here are this fault's. */
  until: number;
}

/** The whole run: minutes to send, fault slots, and which stretches are fault-free. */
function plan(start: number) {
  const rand = random(seed);
  const minutes: Planned[] = [];
  const slots: FaultSlot[] = [];
  /** Fault-free stretches: the looped background, or a fault file's seconds before injection. */
  const scored: { from: number; to: number; day: string; looped: boolean }[] = [];
  let t = start;
  let replayedDays = 0;
  for (const day of days) {
    const faults = faultsOf(day);
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
    background(warmupMinutes);
    const freeFrom = t;
    background(faultFreeMinutes);
    scored.push({ from: freeFrom, to: t, day, looped: true });
    for (const { fault, number } of faults) {
      const segmentStart = t;
      const recordedStart = recordingStartOf(fault);
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
      background(gapMinutes);
      slots.push({ fault, number, injectAt, until: t });
    }
  }
  return { minutes, slots, scored, replayedDays, end: t };
}

/** Sends what is due by `now` from `pending`, one request per signal and minute copy. */
async function sendDue(endpoint: string, pending: Minute[], now: number) {
  const nowNs = msToNs(now);
  for (const minute of pending) {
    const spans = minute.spans.filter((s) => s.endNs <= nowNs);
    const logs = minute.logs.filter((l) => l.timeNs <= nowNs);
    const metrics = minute.metrics.filter((r) => r.timeMs <= now);
    minute.spans = minute.spans.filter((s) => s.endNs > nowNs);
    minute.logs = minute.logs.filter((l) => l.timeNs > nowNs);
    minute.metrics = minute.metrics.filter((r) => r.timeMs > now);
    const requests: ExportRequest[] = [
      ...chunk(spans, 2000).map((part) => ({
        signal: 'traces' as const,
        body: tracesRequest(part, minute.kinds, 0n, minute.ids),
      })),
      ...chunk(logs, 2000).map((part) => ({
        signal: 'logs' as const,
        body: logsRequest(part, 0n, minute.ids),
      })),
      ...(metrics.length
        ? [{ signal: 'metrics' as const, body: metricsRequest(metrics, 0n) }]
        : []),
    ];
    for (const request of requests) await sendRequest(endpoint, request);
  }
}

interface IncidentRow {
  incident_id: string;
  fingerprint: string;
  opened_at: Date;
  service: string;
  /** The incident's final root cause: after the matured ranking when it ranked again. */
  root_cause: { service?: string } | null;
  /** The top of the investigation the incident ran when it opened. */
  opening_root_cause: string | null;
}

interface OpeningAnomaly {
  seriesKey: string;
  score: number;
  value: number;
  baseline?: number;
  at: string;
}

/**
 * Why each incident opened: the anomalies of the last detection pass, committed before the
 * incident's row, that reported its fingerprint (the engine's own pass output).
 */
async function openingAnomalies(
  pool: Pool,
  incidents: IncidentRow[],
): Promise<Map<string, OpeningAnomaly[]>> {
  const why = new Map<string, OpeningAnomaly[]>();
  for (const incident of incidents) {
    const { rows } = await pool.query<{ anomalies: OpeningAnomaly[] }>(
      `SELECT c->'anomalies' AS anomalies
       FROM detection_pass, jsonb_array_elements(result->'candidates') c
       WHERE finished_at <= $1 AND finished_at > $1::timestamptz - interval '1 minute'
         AND c->>'fingerprint' = $2
       ORDER BY finished_at DESC LIMIT 1`,
      [incident.opened_at, incident.fingerprint],
    );
    why.set(incident.incident_id, rows[0]?.anomalies ?? []);
  }
  return why;
}

const describeAnomaly = (a: OpeningAnomaly) =>
  `${a.at.slice(11, 19)} ${a.seriesKey} ${a.value.toFixed(a.value < 10 ? 2 : 0)}${a.baseline === undefined ? '' : ` vs ${a.baseline.toFixed(a.baseline < 10 ? 2 : 0)}`} (${a.score.toFixed(3)})`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

async function main() {
  const config = loadConfig(env);
  const endpoint = env.LIVE_OTLP_ENDPOINT ?? `http://127.0.0.1:${config.ingest.httpPort}`;
  const pool = createPool(databaseUrl(config));
  const start = Math.ceil((Date.now() + 5_000) / minuteMs) * minuteMs;
  const run = plan(start);
  console.log(
    `bench:live ${profile}: ${run.slots.length} faults, ${((run.end - start) / minuteMs).toFixed(0)} min from ${clock(start)} UTC, to ${endpoint}`,
  );
  const pending: Minute[] = [];
  let next = 0;
  let announced = 0;
  for (let now = Date.now(); now < run.end + settleMs; now = Date.now()) {
    // Build each minute a little before it starts, so its first seconds are on time.
    while (next < run.minutes.length && run.minutes[next]!.at <= now + 5_000) {
      pending.push(run.minutes[next++]!.build());
    }
    try {
      await sendDue(endpoint, pending, now);
    } catch (err) {
      console.error(`${clock(now)} send failed: ${String(err)}`);
    }
    for (let i = pending.length - 1; i >= 0; i--) {
      const m = pending[i]!;
      if (!m.spans.length && !m.logs.length && !m.metrics.length) pending.splice(i, 1);
    }
    for (; announced < run.slots.length && run.slots[announced]!.injectAt <= now; announced++) {
      const slot = run.slots[announced]!;
      console.log(
        `${clock(now)} fault: ${slot.fault.type} on ${slot.fault.service} (${slot.fault.day} ${slot.fault.injectTime.toISOString().slice(11, 19)})`,
      );
    }
    await sleep(Math.max(0, tickMs - (Date.now() - now)));
  }

  const { rows } = await pool.query<IncidentRow>(
    `SELECT i.incident_id, i.fingerprint, i.opened_at, i.service, i.root_cause,
       v.candidates->0->>'service' AS opening_root_cause
     FROM incident i LEFT JOIN investigation v ON v.investigation_id = 'investigation-' || i.incident_id
     WHERE i.opened_at >= $1 ORDER BY i.opened_at`,
    [new Date(start)],
  );
  const why = await openingAnomalies(pool, rows);
  await pool.end();
  console.log(markdown(run, rows, start));
  console.log("Why each incident opened (the opening pass's anomalies, strongest first):");
  for (const r of rows) {
    const anomalies = why.get(r.incident_id) ?? [];
    console.log(
      `- ${clock(r.opened_at.getTime())} ${r.incident_id}: ${anomalies.slice(0, 4).map(describeAnomaly).join('; ')}${anomalies.length > 4 ? `; +${anomalies.length - 4} more` : ''}`,
    );
  }
}

function markdown(run: ReturnType<typeof plan>, incidents: IncidentRow[], start: number): string {
  const at = (r: IncidentRow) => r.opened_at.getTime();
  const warmups = run.replayedDays * warmupMinutes;
  const falseOnes = incidents.filter((r) =>
    run.scored.some((s) => at(r) >= s.from && at(r) < s.to),
  );
  const freeMinutes = run.scored.reduce((sum, s) => sum + (s.to - s.from), 0) / minuteMs;
  const rows = run.slots.map((slot) => {
    const mine = incidents.filter((r) => at(r) >= slot.injectAt && at(r) < slot.until);
    const first = mine[0];
    return {
      slot,
      mine,
      detectS: first && (at(first) - slot.injectAt) / 1000,
      rootCause: first?.root_cause?.service,
      openingRootCause: first?.opening_root_cause ?? undefined,
      blamed: first?.service,
    };
  });
  const detected = rows.filter((r) => r.detectS !== undefined);
  const pct = (n: number) => `${((100 * n) / Math.max(1, rows.length)).toFixed(0)}%`;
  const table = rows
    .map(
      (r, i) =>
        `| ${selection ? r.slot.number : i + 1} | ${r.slot.fault.day} ${r.slot.fault.injectTime.toISOString().slice(11, 19)} | ${r.slot.fault.type} | ${r.slot.fault.service} | ${r.detectS?.toFixed(0) ?? 'missed'} | ${r.blamed ?? '–'} | ${r.openingRootCause ?? '–'} | ${r.rootCause ?? '–'} | ${r.mine.length} |`,
    )
    .join('\n');
  return `
LIVE_PROFILE=${profile} LIVE_DAYS=${days.join(',')}${selection ? ` LIVE_FAULTS=${env.LIVE_FAULTS}` : ''} LIVE_WARMUP_MINUTES=${warmupMinutes} LIVE_FAULT_FREE_MINUTES=${faultFreeMinutes} LIVE_GAP_MINUTES=${gapMinutes} LIVE_SEED=${seed} npm run bench:live — from ${new Date(start).toISOString()}, ${incidents.length} incidents in all

| # | fault (day, inject_time) | type | service | detect (s) | incident blames | top root cause at opening | top root cause after re-rank | incidents |
|---|---|---|---|---|---|---|---|---|
${table}

| measure | result |
|---|---|
| faults detected | ${detected.length}/${rows.length} (${pct(detected.length)}) |
| median time to detect | ${median(detected.map((r) => r.detectS!)).toFixed(0)} s |
| top root cause right at opening | ${pct(rows.filter((r) => r.openingRootCause === r.slot.fault.service).length)} |
| top root cause right after re-rank | ${pct(rows.filter((r) => r.rootCause === r.slot.fault.service).length)} |
| incidents per fault | ${(rows.reduce((s, r) => s + r.mine.length, 0) / Math.max(1, rows.length)).toFixed(2)} |
| false incidents, fault-free traffic | ${falseOnes.length} in ${freeMinutes.toFixed(1)} min (${((60 * falseOnes.length) / Math.max(1e-9, freeMinutes)).toFixed(1)}/h)${falseOnes.length ? ` [${falseOnes.map((r) => r.service).join(', ')}]` : ''} |
| warm-up (not scored) | ${warmups} min |

False incidents by fault-free stretch: ${falseByStretch(run.scored, at, falseOnes)}
`;
}

/** Where the false incidents opened: per day, in the looped background or a recording's first seconds. */
function falseByStretch(
  scored: ReturnType<typeof plan>['scored'],
  at: (r: IncidentRow) => number,
  falseOnes: IncidentRow[],
): string {
  const tally = new Map<string, { incidents: number; minutes: number }>();
  for (const s of scored) {
    const key = `${s.day} ${s.looped ? 'looped background' : 'before injection'}`;
    const t = tally.get(key) ?? { incidents: 0, minutes: 0 };
    t.minutes += (s.to - s.from) / minuteMs;
    t.incidents += falseOnes.filter((r) => at(r) >= s.from && at(r) < s.to).length;
    tally.set(key, t);
  }
  return [...tally]
    .map(([key, t]) => `${key}: ${t.incidents} in ${t.minutes.toFixed(1)} min`)
    .join('; ');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
