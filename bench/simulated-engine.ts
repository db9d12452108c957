import { MockActivityEnvironment } from '@temporalio/testing';
import {
  createDetectionActivities,
  defaultDetectionSettings,
  type DetectionPassResult,
  type DetectionSettings,
  type PassScorerFactory,
} from '../activities/detection';
import { rankWindow } from '../activities/investigation';
import { firstAnomalyServices } from '../activities/rca/fault-onset';
import type { RootCauseCandidate } from '../activities/rca/candidate';
import { firstPicks, pickAboutCall } from '../activities/rca/features';
import { Admission } from '../ingest/admission';
import { BatchQueue } from '../ingest/batch-queue';
import { LogTemplateTagger } from '../ingest/log-templates';
import { NewNames } from '../ingest/new-names';
import { IngestPipeline, writeItem, type Format } from '../ingest/pipeline';
import { ServiceEdgeTracker } from '../ingest/service-edges';
import { createLogsSignal } from '../ingest/signals/logs';
import { createMetricsSignal } from '../ingest/signals/metrics';
import { createTraceSignal } from '../ingest/signals/traces';
import type { Pool } from '../store/db';
import { upsertIncident } from '../store/incidents';
import { TelemetryDictionaries } from '../store/telemetry-dictionaries';
import { Rollups } from '../store/telemetry-rollups';
import { TelemetryWriter } from '../store/telemetry-writer';
import { faultLeadMs } from '../workflows/incident/investigation-window';
import { corroborated, decisive } from '../workflows/incident/matured-rank';
import {
  attachAnomalies,
  openIncident,
  quietSince,
  type KeepOpenRule,
} from '../workflows/incident/state';
import type { Anomaly, IncidentState } from '../workflows/incident/types';
import type { Config } from '../worker/config';
import { detectionOffsetSeconds } from '../worker/schedules';

/**
 * The engine in simulated time, for benchmarks that would take hours in real time: telemetry
 * slices go through the real ingest pipeline (decode, rollups, service edges, COPY) into
 * PostgreSQL, the real detection pass runs at the Schedule's cadence with its clock on the
 * simulated timeline, and incidents follow the incident workflow's rules (signal-with-start per
 * fingerprint, attach while open, resolve after the quiet period), emulated in-process, each
 * ranking root causes on its investigation window as the workflow does.
 */
export type SignalName = 'traces' | 'logs' | 'metrics';

/** One OTLP export into the pipeline, as a receiver hands it over. */
export type Ingest = (signal: SignalName, body: Buffer, format: Format) => Promise<void>;

export interface SimulatedEngineOptions {
  pool: Pool;
  detection: DetectionSettings;
  /** How the pass scores each series (default: the schedule's). */
  scorerFor?: PassScorerFactory;
  /** How often the detection Schedule runs a pass, and its phase (worker/schedules.ts). */
  intervalSeconds: number;
  offsetSeconds: number;
  /** Epoch ms the simulated timeline starts at (a whole minute). */
  start: number;
  /**
   * How often telemetry arrives (default 10 s, the simulator's export interval); a sender that
   * posts what is due every second arrives in 1-second slices.
   */
  sliceMs?: number;
  /** Exports the telemetry of the slice from `from` (epoch ms) through `ingest`. */
  emitSlice: (from: number, ingest: Ingest) => Promise<void>;
  /**
   * Seconds after the first anomaly when an incident whose opening ranking was not decisive ranks
   * again (the incident workflow's matured ranking); its response, which holds the incident open,
   * ends then. Without it, an incident ranks once and resolves on the quiet period alone.
   */
  maturedRankSeconds?: number;
  /** Runs after every step of the timeline (e.g. a runbook curing a fault). */
  afterStep?: () => void;
  log?: (line: string) => void;
}

export interface OpenedIncident {
  id: string;
  fingerprint: string;
  at: number;
  service: string;
  /** The anomalies the incident opened with. */
  anomalies: Anomaly[];
  /** The incident as it opened, and as it stands (as it resolved, once resolved). */
  opening: IncidentState;
  state: IncidentState;
  /** When its investigation ranks root causes, the window it ranks, and the top cause. */
  window: { firstAnomaly: number; faultStart: number; end: number };
  rootCause?: string;
  rankedAt?: number;
  /** Whether the opening's ranking was acted on at once (no matured ranking). */
  openingStands?: boolean;
  /** The matured ranking's top (the incident's root cause when it named one). */
  maturedRootCause?: string;
  maturedAt?: number;
  /** When the incident first had no anomaly for the quiet period. */
  quietAt?: number;
  /** When its response (rankings) finished: it cannot resolve before. */
  respondedAt?: number;
}

/** Live traffic exports a slice about this long after it ends (timer slack + encode + POST). */
const exportDelayMs = 500;
/** From a Schedule's tick to the pass activity reading the clock (workflow + activity task). */
const schedulingDelayMs = 300;
/** The incident workflow writes its row from an activity, about this long after opening. */
const incidentRowDelayMs = 1_000;
/** The incident workflow's default investigation baseline. */
const investigationBaselineMs = 10 * 60_000;
/** The incident workflow's rule for new incidents. */
const keepOpen: KeepOpenRule = { sustainedOnly: true };

/** Marks the logs member's first pick when it rests on a line about a call (it corroborates nothing). */
function aboutCall(method: string, top: RootCauseCandidate | undefined): string {
  const callee = pickAboutCall(method, top);
  return callee === undefined ? '' : ` (about a call to ${callee})`;
}

/** The detection settings and Schedule cadence the engine runs with under `config`. */
export function scheduledDetection({ detection }: Pick<Config, 'detection'>) {
  return {
    detection: {
      ...defaultDetectionSettings,
      graceSeconds: detection.graceSeconds,
      threshold: detection.threshold,
      quietPeriodSeconds: detection.quietPeriodSeconds,
      faultEvidenceSeconds: detection.faultEvidenceSeconds,
    },
    intervalSeconds: detection.intervalSeconds,
    offsetSeconds: detectionOffsetSeconds(detection),
  };
}

export interface SimulatedEngine {
  /** The simulated clock (epoch ms). */
  now(): number;
  /** Advances simulated time to `until`, emitting slices and running passes in time order. */
  runUntil(until: number): Promise<void>;
  opened: OpenedIncident[];
  stats(): { rawAnomalies: number; passes: number };
  close(): Promise<void>;
}

export function createSimulatedEngine(opts: SimulatedEngineOptions): SimulatedEngine {
  const log = opts.log ?? (() => undefined);
  const { pool } = opts;
  const sliceMs = opts.sliceMs ?? 10_000;
  let now = opts.start;
  const clock = () => now;
  const at = (ms: number) => `${((ms - opts.start) / 1000).toFixed(0).padStart(6)} s`;

  // The receivers' pipeline, minus the transports, on the simulated clock.
  const writer = new TelemetryWriter(pool);
  const queue = new BatchQueue({
    write: (batch) => writer.write(batch),
    maxBytes: 256 * 2 ** 20,
    batchBytes: 8 * 2 ** 20,
    concurrency: 1,
    lingerMs: 0,
    onError: (err) => log(`[ingest] ${String(err)}`),
  });
  const edges = new ServiceEdgeTracker(15_000, undefined, clock);
  const pipeline = new IngestPipeline({
    queue,
    admission: new Admission({
      maxRequestBytes: 256 * 2 ** 20,
      maxInFlightBytes: 256 * 2 ** 20,
      maxConcurrentDecodes: 1,
    }),
    dictionaries: new TelemetryDictionaries(pool),
    // A recording's names are its own: no cap on how fast they appear.
    newNames: new NewNames(pool, { servicesPerMinute: Infinity, operationsPerMinute: Infinity }),
    window: () => ({
      nowUs: now * 1000,
      minUs: (now - 48 * 3_600_000) * 1000,
      maxUs: (now + 3_600_000) * 1000,
    }),
  });
  const signals = {
    traces: createTraceSignal(edges),
    metrics: createMetricsSignal(),
    logs: createLogsSignal(new LogTemplateTagger(pool, clock)),
  };
  const ingest: Ingest = async (signal, body, format) => {
    const outcome = (await pipeline.export(signals[signal] as never, body, format)) as {
      rejected?: number;
      errorMessage?: string;
    };
    if (outcome.rejected) log(`${at(now)} [ingest] ${signal}: ${outcome.rejected} rejected`);
  };
  const activities = createDetectionActivities({
    pool,
    clock,
    detection: opts.detection,
    scorerFor: opts.scorerFor,
  });

  const incidents = new Map<string, IncidentState>();
  const opened: OpenedIncident[] = [];
  const openedBy = new Map<string, OpenedIncident>();
  let rawAnomalies = 0;
  let passes = 0;
  let nextSlice = opts.start;
  // The simulated start is a whole minute: the Schedule's epoch phase is its offset from it.
  let nextPass = opts.start + opts.offsetSeconds * 1000 + schedulingDelayMs;
  const quietMs = opts.detection.quietPeriodSeconds * 1000;

  async function settleEdges() {
    const rollups = new Rollups();
    edges.sweep(rollups, now);
    if (rollups.size) await queue.submit(writeItem(null, rollups));
  }

  /** When each open incident's row first appears in the incident table. */
  const rowAt = new Map<string, number>();
  /**
   * What each open incident last published: the workflow writes its row when it opens, at each
   * step of its response, and on a repeat only when the severity or the services changed, so the
   * row's last anomaly (which other investigations read as its period) lags between those.
   */
  const published = new Map<string, IncidentState>();
  const publish = async (fingerprint: string, state: IncidentState) => {
    published.set(fingerprint, state);
    await writeIfVisible(fingerprint);
  };
  const writeIfVisible = async (fingerprint: string) => {
    const state = published.get(fingerprint);
    if (state && now >= (rowAt.get(fingerprint) ?? Infinity)) await upsertIncident(pool, state);
  };

  /**
   * Quiet incidents resolve (the workflow's timer), once their response has finished. The timer
   * fires on its own between passes: a ranking waiting for the window to mature runs then, and
   * the incident resolves before the next pass can attach to it.
   */
  async function resolveQuiet() {
    const quiet = [...incidents].filter(([, incident]) => now - quietSince(incident) >= quietMs);
    if (opts.maturedRankSeconds !== undefined) {
      for (const [fingerprint, incident] of quiet) {
        const o = openedBy.get(fingerprint);
        if (o) o.quietAt ??= quietSince(incident) + quietMs;
      }
      await investigate();
    }
    for (const [fingerprint, incident] of quiet) {
      const o = openedBy.get(fingerprint);
      if (o && o.respondedAt === undefined) continue;
      incidents.delete(fingerprint);
      openedBy.delete(fingerprint);
      rowAt.delete(fingerprint);
      published.delete(fingerprint);
      await upsertIncident(pool, { ...incident, status: 'resolved' });
      log(`${at(now)} resolved ${fingerprint}`);
    }
  }

  async function pass() {
    for (const fingerprint of incidents.keys()) await writeIfVisible(fingerprint);
    await resolveQuiet();
    const env = new MockActivityEnvironment({
      workflowExecution: { workflowId: 'replay-detection', runId: `pass-${passes++}` },
    });
    const result = (await env.run(activities.runDetectionPass)) as DetectionPassResult;
    rawAnomalies += result.anomalies;
    const top = (anomalies: readonly Anomaly[], n: number) =>
      anomalies
        .slice(0, n)
        .map(
          (a) =>
            `${a.seriesKey}=${a.value.toPrecision(3)}/${a.baseline?.toPrecision(3) ?? '-'}@${a.at.slice(14, 19)}`,
        )
        .join(' ');
    for (const candidate of result.candidates) {
      const open = incidents.get(candidate.fingerprint);
      if (open) {
        const attached = attachAnomalies(open, candidate, new Date(now).toISOString(), keepOpen);
        incidents.set(candidate.fingerprint, attached);
        const o = openedBy.get(candidate.fingerprint);
        if (o) o.state = attached;
        log(`${at(now)}   attach to ${candidate.fingerprint}: ${top(candidate.anomalies, 3)}`);
        if (
          attached.severity !== open.severity ||
          attached.services.length !== open.services.length
        )
          await publish(candidate.fingerprint, attached);
        continue;
      }
      // Signalled to its incident alone (see signalIncident), which has resolved.
      if (candidate.backsOnly) continue;
      // The workflow opens at its first activation, a moment after signal-with-start.
      const openedAt = now + 1_000;
      rowAt.set(candidate.fingerprint, now + incidentRowDelayMs);
      const id = `${candidate.fingerprint}-${new Date(openedAt).toISOString()}`;
      const state = openIncident(id, candidate, new Date(openedAt).toISOString(), keepOpen);
      incidents.set(candidate.fingerprint, state);
      const firstAnomaly = Math.min(...state.topAnomalies.map((a) => Date.parse(a.at)));
      // The workflow starts the investigation right after recording the incident, once the
      // first anomaly is faultEvidenceSeconds old.
      const window = {
        firstAnomaly,
        faultStart: firstAnomaly - faultLeadMs,
        end: Math.max(openedAt + 1_000, firstAnomaly + opts.detection.faultEvidenceSeconds * 1000),
      };
      const o: OpenedIncident = {
        id,
        fingerprint: candidate.fingerprint,
        at: openedAt,
        service: candidate.service,
        anomalies: candidate.anomalies,
        opening: state,
        state,
        window,
      };
      opened.push(o);
      openedBy.set(candidate.fingerprint, o);
      await publish(candidate.fingerprint, state);
      log(
        `${at(openedAt)} incident on ${candidate.service} (${candidate.services.join(', ')}; ${top(candidate.anomalies, 4)})`,
      );
    }
  }

  /** Ranks the window up to `end` for the incident as `state` stands when the ranking starts. */
  async function rank(o: OpenedIncident, end: number, state: IncidentState) {
    const { ranking, members, notes } = await rankWindow(pool, {
      faultStart: new Date(o.window.faultStart),
      end: new Date(end),
      baselineMs: investigationBaselineMs,
      incidentId: o.id,
      firstAnomalyAt: new Date(o.window.firstAnomaly),
      services: [state.service, ...state.services],
      // As the investigation workflow's input has them (its incident's top anomalies).
      firstAnomalyServices: firstAnomalyServices(state.topAnomalies, o.window.firstAnomaly),
    });
    log(
      `${at(now)}   ranked ${o.service} over ${((end - o.window.faultStart) / 1000).toFixed(0)} s: ${ranking
        .slice(0, 3)
        .map((c) => `${c.service} ${c.kind} ${c.score.toFixed(2)}`)
        .join(', ')} (${Object.entries(members)
        .map(
          ([method, [top]]) =>
            `${method}: ${top?.service ?? '-'} ${top?.kind ?? ''}${aboutCall(method, top)}`,
        )
        .join(', ')})`,
    );
    // A history past its budget changes the ranking with the machine's load: always say so.
    for (const note of notes) console.warn(`${at(now)}   ranking ${o.service}: ${note}`);
    return { ranking, picks: firstPicks(members) };
  }

  /** A ranking is published with the incident as it stands, while it is open. */
  async function publishRanked(o: OpenedIncident) {
    if (openedBy.get(o.fingerprint) === o) await publish(o.fingerprint, o.state);
  }

  /**
   * Investigations whose window has passed rank root causes on what was stored by then; with
   * maturedRankSeconds, one whose opening was not decisive ranks again once matured or quiet.
   */
  async function investigate() {
    for (const o of opened) {
      if (o.rankedAt === undefined && now >= o.window.end) {
        // The investigation starts with the incident as it opened (respond() reads it then).
        const { ranking, picks } = await rank(o, o.window.end, o.opening);
        o.rankedAt = now;
        o.rootCause = ranking[0]?.service;
        const services = [o.state.service, ...o.state.services];
        o.openingStands =
          decisive(ranking) &&
          decisive(ranking, services) &&
          corroborated(ranking[0]?.service, picks);
        if (opts.maturedRankSeconds === undefined || o.openingStands) o.respondedAt = now;
        await publishRanked(o);
      }
      if (o.rankedAt === undefined || o.respondedAt !== undefined) continue;
      const maturesAt = o.window.firstAnomaly + opts.maturedRankSeconds! * 1000;
      if (maturesAt <= o.window.end) {
        o.respondedAt = now;
        continue;
      }
      const end = Math.min(maturesAt, o.quietAt ?? Infinity);
      if (now < end) continue;
      const { ranking } = await rank(o, end, o.state);
      o.maturedAt = now;
      o.maturedRootCause = ranking[0]?.service;
      o.respondedAt = now;
      await publishRanked(o);
    }
  }

  async function runUntil(until: number) {
    for (;;) {
      const sliceAt = nextSlice + sliceMs + exportDelayMs;
      const next = Math.min(sliceAt, nextPass);
      if (next > until) break;
      now = next;
      if (sliceAt <= nextPass) {
        await opts.emitSlice(nextSlice, ingest);
        nextSlice += sliceMs;
        await settleEdges();
      } else {
        await settleEdges();
        await pass();
        nextPass += opts.intervalSeconds * 1000;
      }
      await investigate();
      opts.afterStep?.();
    }
    now = until;
  }

  return {
    now: () => now,
    runUntil,
    opened,
    stats: () => ({ rawAnomalies, passes }),
    close: () => queue.close(),
  };
}
