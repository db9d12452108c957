import { MockActivityEnvironment } from '@temporalio/testing';
import {
  createDetectionActivities,
  type DetectionPassResult,
  type DetectionSettings,
  type PassScorerFactory,
} from '../activities/detection';
import { Admission } from '../ingest/admission';
import { BatchQueue } from '../ingest/batch-queue';
import { LogTemplateTagger } from '../ingest/log-templates';
import { IngestPipeline, writeItem } from '../ingest/pipeline';
import { ServiceEdgeTracker } from '../ingest/service-edges';
import { createLogsSignal } from '../ingest/signals/logs';
import { createMetricsSignal } from '../ingest/signals/metrics';
import { createTraceSignal } from '../ingest/signals/traces';
import { faultKinds, type Fault, type FaultKind } from '../simulator/faults';
import { encodeLogs, encodeMetrics, encodeTraces } from '../simulator/otlp-export';
import { liveSimulation, type LumpyTraffic } from '../simulator/simulate';
import { liveFaultTemplate } from '../worker/demo/world';
import { rankWindow } from '../activities/investigation';
import { faultLeadMs } from '../workflows/incident/investigation-window';
import type { Topology } from '../simulator/topology';
import type { Pool } from '../store/db';
import { upsertIncident } from '../store/incidents';
import { TelemetryDictionaries } from '../store/telemetry-dictionaries';
import { NewNames } from '../ingest/new-names';
import { Rollups } from '../store/telemetry-rollups';
import { TelemetryWriter } from '../store/telemetry-writer';
import {
  attachAnomalies,
  openIncident,
  quietSince,
  type KeepOpenRule,
} from '../workflows/incident/state';
import type { IncidentState } from '../workflows/incident/types';

/**
 * Replays the end-to-end benchmark's world in simulated time: the live-traffic simulator's
 * 10-second slices go through the real ingest pipeline (decode, rollups, service edges, COPY)
 * into PostgreSQL, and the real detection pass runs at the Schedule's cadence with its clock on
 * the simulated timeline. Incidents follow the incident workflow's rules (signal-with-start
 * per fingerprint, attach while open, resolve after the quiet period), emulated in-process.
 * Faults are injected as bench/e2e.ts's DemoWorld does (the scenario's fault, lasting until
 * cured or for the transient duration), so the numbers predict bench:e2e in minutes.
 */
export interface ReplayOptions {
  pool: Pool;
  topology: Topology;
  /** Live traffic seed: one simulation runs on slice by slice, as worker/demo/traffic.ts does. */
  trafficSeed: number;
  /** Fault i uses seed faultSeed + i, as bench/e2e.ts uses 100 + i. */
  faultSeed: number;
  faults: number;
  /** Kinds cycled through (default: every kind). */
  kinds?: readonly FaultKind[];
  faultFreeMinutes: number;
  rps: number;
  /** Lumpy low-traffic services (default: the demo's smooth traffic). */
  lumpy?: LumpyTraffic;
  detection: DetectionSettings;
  /** How the pass scores each series (default: the schedule's). */
  scorerFor?: PassScorerFactory;
  /** How often the detection Schedule runs a pass, and its phase (worker/schedules.ts). */
  intervalSeconds: number;
  offsetSeconds: number;
  /** Epoch ms the simulated timeline starts at. */
  start: number;
  log?: (line: string) => void;
}

export interface ReplayFault {
  kind: FaultKind;
  service: string;
  injectedAt: number;
  /** Seconds from injection to the first incident opened while the fault was active. */
  detectS?: number;
  /** Seconds from injection to that incident's ranked root causes, and the top one. */
  rootCauseS?: number;
  rootCause?: string;
  /** The first such incident blamed the faulty service. */
  blamedRight: boolean;
  /** Incidents opened from injection until the next fault (what bench:e2e counts). */
  incidents: number;
  incidentServices: string[];
}

export interface ReplayResult {
  faults: ReplayFault[];
  falseIncidents: number;
  faultFreeMinutes: number;
  falseIncidentServices: string[];
  rawAnomalies: number;
  incidentsOpened: number;
  passes: number;
  wallSeconds: number;
}

const sliceMs = 10_000;
/** Live traffic exports a slice about this long after it ends (timer slack + encode + POST). */
const exportDelayMs = 500;
/** From a Schedule's tick to the pass activity reading the clock (workflow + activity task). */
const schedulingDelayMs = 300;
/** bench/e2e.ts: warm-up, per-fault deadline, quiet wait after a fault, transient duration. */
const warmupMs = 240_000;
const maxFaultMs = 240_000;
const afterFaultMs = 60_000;
const transientFaultMs = 90_000;
/** A runbook cures a curable fault this long after its root causes are ranked (bench:e2e). */
const cureAfterRankMs = 5_000;
/** The incident workflow writes its row from an activity, about this long after opening. */
const incidentRowDelayMs = 1_000;
/** The incident workflow's default investigation baseline. */
const investigationBaselineMs = 10 * 60_000;
/** worker/demo/world.ts: how long an injected memory leak takes to reach full size. */
const leakRampMs = 120_000;
const curable = new Set<FaultKind>(['bad-deploy', 'memory-leak', 'cpu-saturation']);
/** The incident workflow's rule for new incidents. */
const keepOpen: KeepOpenRule = { sustainedOnly: true };

/** A fault's start within its 10 s bucket, spread over whole seconds by its seed. */
function injectionPhaseMs(seed: number): number {
  return ((seed * 7) % 10) * 1_000;
}

interface OpenedIncident {
  id: string;
  at: number;
  service: string;
  /** When its investigation ranks root causes, the window it ranks, and the top cause. */
  window: { firstAnomaly: number; faultStart: number; end: number };
  rootCause?: string;
  rankedAt?: number;
}

interface LiveFault {
  fault: Fault;
  /** When the e2e loop stops watching it (cured, passed, or its deadline). */
  watchUntil: number;
}

export async function runReplay(opts: ReplayOptions): Promise<ReplayResult> {
  const t0 = performance.now();
  const log = opts.log ?? (() => undefined);
  const { pool } = opts;
  let now = opts.start;
  const clock = () => now;

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
  const [traces, metrics, logs] = [
    createTraceSignal(edges),
    createMetricsSignal(),
    createLogsSignal(new LogTemplateTagger(pool, clock)),
  ] as const;
  const activities = createDetectionActivities({
    pool,
    clock,
    detection: opts.detection,
    scorerFor: opts.scorerFor,
  });

  const kinds = opts.kinds ?? faultKinds;
  const live: LiveFault[] = [];
  const results: ReplayFault[] = [];
  const incidents = new Map<string, IncidentState>();
  const opened: OpenedIncident[] = [];
  let rawAnomalies = 0;
  let passes = 0;
  const simulation = liveSimulation({
    topology: opts.topology,
    seed: opts.trafficSeed,
    start: opts.start,
    rps: opts.rps,
    lumpy: opts.lumpy,
  });
  const faultFreeStart = opts.start + warmupMs;
  const faultsStart = faultFreeStart + opts.faultFreeMinutes * 60_000;

  let nextSlice = opts.start;
  // The simulated start is a whole minute: the Schedule's epoch phase is its offset from it.
  let nextPass = opts.start + opts.offsetSeconds * 1000 + schedulingDelayMs;

  async function emitSlice(sliceStart: number) {
    const faults = live
      .filter((f) => f.fault.endMs > sliceStart)
      .map((f) =>
        // DemoWorld shows a leak (lasting until cured) to the simulator as growing over
        // two minutes, then staying at full size.
        f.fault.kind === 'memory-leak'
          ? { ...f.fault, endMs: Math.max(f.fault.startMs + leakRampMs, now + 1) }
          : f.fault,
      );
    const batch = simulation.slice(sliceStart, sliceStart + sliceMs, faults);
    // One request at a time, as one exporter sends them (concurrent first sightings of the
    // same names can deadlock in the dictionaries, which a real client would retry).
    if (batch.spans.length)
      await pipeline.export(traces, Buffer.from(encodeTraces(batch.spans)), 'protobuf');
    if (batch.logs.length)
      await pipeline.export(logs, Buffer.from(encodeLogs(batch.logs)), 'protobuf');
    if (batch.metrics.length)
      await pipeline.export(metrics, Buffer.from(encodeMetrics(batch.metrics)), 'protobuf');
  }

  async function settleEdges() {
    const rollups = new Rollups();
    edges.sweep(rollups, now);
    if (rollups.size) await queue.submit(writeItem(null, rollups));
  }

  /** When each open incident's row first appears in the incident table. */
  const rowAt = new Map<string, number>();
  const writeIfVisible = async (fingerprint: string, state: IncidentState) => {
    if (now >= (rowAt.get(fingerprint) ?? Infinity)) await upsertIncident(pool, state);
  };

  async function pass() {
    for (const [fingerprint, incident] of incidents) await writeIfVisible(fingerprint, incident);
    // Quiet incidents resolve before the pass reads which are open (the workflow's timer).
    for (const [fingerprint, incident] of incidents) {
      if (now - quietSince(incident) >= opts.detection.quietPeriodSeconds * 1000) {
        incidents.delete(fingerprint);
        rowAt.delete(fingerprint);
        await upsertIncident(pool, { ...incident, status: 'resolved' });
        log(`${((now - opts.start) / 1000).toFixed(0).padStart(6)} s resolved ${fingerprint}`);
      }
    }
    const env = new MockActivityEnvironment({
      workflowExecution: { workflowId: 'replay-detection', runId: `pass-${passes++}` },
    });
    const result = (await env.run(activities.runDetectionPass)) as DetectionPassResult;
    rawAnomalies += result.anomalies;
    for (const candidate of result.candidates) {
      const open = incidents.get(candidate.fingerprint);
      if (open) {
        const attached = attachAnomalies(open, candidate, new Date(now).toISOString(), keepOpen);
        incidents.set(candidate.fingerprint, attached);
        log(
          `${((now - opts.start) / 1000).toFixed(0).padStart(6)} s   attach to ${candidate.fingerprint}: ${candidate.anomalies
            .slice(0, 3)
            .map(
              (a) =>
                `${a.seriesKey}=${a.value.toPrecision(3)}/${a.baseline?.toPrecision(3) ?? '-'}`,
            )
            .join(' ')}`,
        );
        await writeIfVisible(candidate.fingerprint, attached);
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
      opened.push({ id, at: openedAt, service: candidate.service, window });
      await writeIfVisible(candidate.fingerprint, state);
      log(
        `${((openedAt - opts.start) / 1000).toFixed(0).padStart(6)} s incident on ${candidate.service} (${candidate.services.join(', ')}; ${candidate.anomalies
          .slice(0, 4)
          .map(
            (a) =>
              `${a.seriesKey}=${a.value.toPrecision(3)}/${a.baseline?.toPrecision(3) ?? '-'}@${a.at.slice(14, 19)}`,
          )
          .join(' ')})`,
      );
    }
  }

  /** Advances simulated time to `until`, emitting slices and running passes in time order. */
  async function runUntil(until: number) {
    for (;;) {
      const sliceAt = nextSlice + sliceMs + exportDelayMs;
      const next = Math.min(sliceAt, nextPass);
      if (next > until) break;
      now = next;
      if (sliceAt <= nextPass) {
        await emitSlice(nextSlice);
        nextSlice += sliceMs;
        await settleEdges();
      } else {
        await settleEdges();
        await pass();
        nextPass += opts.intervalSeconds * 1000;
      }
      await investigate();
      cure();
    }
    now = until;
  }

  /** Investigations whose window has passed rank root causes on what was stored by then. */
  async function investigate() {
    for (const o of opened) {
      if (o.rankedAt !== undefined || now < o.window.end) continue;
      const { ranking, members } = await rankWindow(pool, {
        faultStart: new Date(o.window.faultStart),
        end: new Date(o.window.end),
        baselineMs: investigationBaselineMs,
        incidentId: o.id,
        firstAnomalyAt: new Date(o.window.firstAnomaly),
      });
      o.rankedAt = now;
      o.rootCause = ranking[0]?.service;
      log(
        `${((now - opts.start) / 1000).toFixed(0).padStart(6)} s   ranked ${o.service}: ${ranking
          .slice(0, 3)
          .map((c) => `${c.service} ${c.kind} ${c.score.toFixed(2)}`)
          .join(', ')} (${Object.entries(members)
          .map(([method, list]) => `${method}: ${list[0]?.service ?? '-'} ${list[0]?.kind ?? ''}`)
          .join(', ')})`,
      );
    }
  }

  /** A curable fault ends once a runbook had time to act on its incident's top root cause. */
  function cure() {
    for (const f of live) {
      if (!curable.has(f.fault.kind as FaultKind) || f.fault.endMs <= now) continue;
      const first = opened.find((o) => o.at >= f.fault.startMs && o.at <= f.watchUntil);
      if (first?.rankedAt === undefined || first.rootCause !== f.fault.service) continue;
      if (now >= first.rankedAt + cureAfterRankMs) {
        f.fault.endMs = first.rankedAt + cureAfterRankMs;
        f.watchUntil = f.fault.endMs;
      }
    }
  }

  try {
    await runUntil(faultsStart);
    const falseOpened = opened.filter((o) => o.at >= faultFreeStart && o.at < faultsStart);
    for (let i = 0; i < opts.faults; i++) {
      const kind = kinds[i % kinds.length]!;
      const template = liveFaultTemplate(opts.topology, kind, opts.faultSeed + i, opts.trafficSeed);
      // bench:e2e injects at any moment of a bucket; a fault starting at a bucket boundary would
      // be the easy case every time.
      await runUntil(
        now + ((injectionPhaseMs(opts.faultSeed + i) - (now % sliceMs) + sliceMs) % sliceMs),
      );
      const injectedAt = now;
      const fault: Fault = {
        ...template,
        startMs: injectedAt,
        // DemoWorld: curable faults last until cured (a day), the others pass after 90 s.
        endMs: injectedAt + (curable.has(kind) ? 24 * 3_600_000 : transientFaultMs),
      };
      const entry: LiveFault = {
        fault,
        watchUntil: Math.min(fault.endMs, injectedAt + maxFaultMs),
      };
      live.push(entry);
      // Watch until the fault ends or the deadline, like the e2e loop (1 s polling).
      while (now < Math.min(entry.watchUntil, fault.endMs)) await runUntil(now + 1_000);
      const watchedUntil = now;
      // Not cured in time: lifted, as bench:e2e does, so it does not stay under later faults.
      fault.endMs = Math.min(fault.endMs, now);
      await runUntil(now + afterFaultMs);
      const mine = opened.filter((o) => o.at >= injectedAt && o.at < now);
      const first = mine.find((o) => o.at <= watchedUntil);
      results.push({
        kind,
        service: fault.service,
        injectedAt,
        detectS: first && (first.at - injectedAt) / 1000,
        rootCauseS:
          first?.rankedAt !== undefined ? (first.rankedAt - injectedAt) / 1000 : undefined,
        rootCause: first?.rootCause,
        blamedRight: first?.service === fault.service,
        incidents: mine.length,
        incidentServices: mine.map((o) => o.service),
      });
      log(
        `fault ${i + 1} ${kind} on ${fault.service}: ${first ? `${((first.at - injectedAt) / 1000).toFixed(0)} s` : 'missed'}, ${mine.length} incident(s) [${mine.map((o) => o.service).join(', ')}]`,
      );
    }
    return {
      faults: results,
      falseIncidents: falseOpened.length,
      falseIncidentServices: falseOpened.map((o) => o.service),
      faultFreeMinutes: opts.faultFreeMinutes,
      rawAnomalies,
      incidentsOpened: opened.length,
      passes,
      wallSeconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await queue.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length
    ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2
    : NaN;
};

export interface ReplaySummary {
  detected: number;
  faults: number;
  medianDetectS: number;
  exactlyOne: number;
  blamedRight: number;
  rootCauseRight: number;
  medianRootCauseS: number;
  falseIncidentsPerHour: number;
  alertReduction: number;
}

export function summarize(r: ReplayResult): ReplaySummary {
  const detect = r.faults.flatMap((f) => (f.detectS === undefined ? [] : [f.detectS]));
  return {
    detected: detect.length,
    faults: r.faults.length,
    medianDetectS: median(detect),
    exactlyOne: r.faults.filter((f) => f.incidents === 1).length,
    blamedRight: r.faults.filter((f) => f.blamedRight).length,
    rootCauseRight: r.faults.filter((f) => f.rootCause === f.service).length,
    medianRootCauseS: median(r.faults.flatMap((f) => f.rootCauseS ?? [])),
    falseIncidentsPerHour: r.faultFreeMinutes ? (60 * r.falseIncidents) / r.faultFreeMinutes : 0,
    alertReduction: 1 - r.incidentsOpened / Math.max(1, r.rawAnomalies),
  };
}

export function replayMarkdown(r: ReplayResult): string {
  const s = summarize(r);
  const pct = (n: number) => `${((100 * n) / Math.max(1, s.faults)).toFixed(0)}%`;
  const rows = r.faults
    .map(
      (f, i) =>
        `| ${i + 1} | ${f.kind} | ${f.service} | ${f.detectS?.toFixed(0) ?? 'missed'} | ${f.blamedRight ? 'yes' : 'no'} | ${f.rootCauseS?.toFixed(0) ?? '–'} | ${f.rootCause ?? '–'} | ${f.incidents} | ${f.incidentServices.join(', ')} |`,
    )
    .join('\n');
  return `| # | fault | service | detect (s) | incident blames it | root cause (s) | top root cause | incidents | incident services |
|---|---|---|---|---|---|---|---|---|
${rows}

| measure | result |
|---|---|
| detected | ${s.detected}/${s.faults} |
| median time to detect | ${s.medianDetectS.toFixed(0)} s |
| first incident blames the faulty service | ${pct(s.blamedRight)} |
| median time to root cause | ${s.medianRootCauseS.toFixed(0)} s |
| top root cause right | ${pct(s.rootCauseRight)} |
| faults opening exactly one incident | ${pct(s.exactlyOne)} |
| false incidents, fault-free | ${r.falseIncidents} in ${r.faultFreeMinutes} min (${s.falseIncidentsPerHour.toFixed(1)}/h)${r.falseIncidentServices.length ? ` [${r.falseIncidentServices.join(', ')}]` : ''} |
| alert reduction | ${r.rawAnomalies} → ${r.incidentsOpened} (${(100 * s.alertReduction).toFixed(1)}%) |
`;
}
