import { MockActivityEnvironment } from '@temporalio/testing';
import {
  createDetectionActivities,
  type DetectionPassResult,
  type DetectionSettings,
} from '../activities/detection';
import { BatchQueue } from '../ingest/batch-queue';
import { LogTemplateTagger } from '../ingest/log-templates';
import { IngestPipeline, writeItem } from '../ingest/pipeline';
import { ServiceEdgeTracker } from '../ingest/service-edges';
import { createLogsSignal } from '../ingest/signals/logs';
import { createMetricsSignal } from '../ingest/signals/metrics';
import { createTraceSignal } from '../ingest/signals/traces';
import { faultKinds, type Fault, type FaultKind } from '../simulator/faults';
import { encodeLogs, encodeMetrics, encodeTraces } from '../simulator/otlp-export';
import { makeScenario } from '../simulator/scenario';
import { simulate } from '../simulator/simulate';
import type { Topology } from '../simulator/topology';
import type { Pool } from '../store/db';
import { upsertIncident } from '../store/incidents';
import { TelemetryDictionaries } from '../store/telemetry-dictionaries';
import { Rollups } from '../store/telemetry-rollups';
import { TelemetryWriter } from '../store/telemetry-writer';
import { attachAnomalies, openIncident } from '../workflows/incident/state';
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
  /** Live traffic seed; each slice uses seed + slice index, as worker/demo/traffic.ts does. */
  trafficSeed: number;
  /** Fault i uses seed faultSeed + i, as bench/e2e.ts uses 100 + i. */
  faultSeed: number;
  faults: number;
  /** Kinds cycled through (default: every kind). */
  kinds?: readonly FaultKind[];
  faultFreeMinutes: number;
  rps: number;
  detection: DetectionSettings;
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
/** A runbook cures a curable fault about this long after its incident opened (bench:e2e). */
const cureAfterDetectMs = 5_000;
/** worker/demo/world.ts: how long an injected memory leak takes to reach full size. */
const leakRampMs = 120_000;
const curable = new Set<FaultKind>(['bad-deploy', 'memory-leak', 'cpu-saturation']);

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
    dictionaries: new TelemetryDictionaries(pool),
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
  const activities = createDetectionActivities({ pool, clock, detection: opts.detection });

  const kinds = opts.kinds ?? faultKinds;
  const live: LiveFault[] = [];
  const results: ReplayFault[] = [];
  const incidents = new Map<string, IncidentState>();
  const opened: { at: number; service: string }[] = [];
  let rawAnomalies = 0;
  let passes = 0;
  let tick = 0;
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
    for (const batch of simulate({
      topology: opts.topology,
      seed: opts.trafficSeed + tick++,
      start: sliceStart,
      durationSec: sliceMs / 1000,
      rps: opts.rps,
      faults,
      sliceSec: sliceMs / 1000,
    })) {
      // One request at a time, as one exporter sends them (concurrent first sightings of the
      // same names can deadlock in the dictionaries, which a real client would retry).
      if (batch.spans.length)
        await pipeline.export(traces, Buffer.from(encodeTraces(batch.spans)), 'protobuf');
      if (batch.logs.length)
        await pipeline.export(logs, Buffer.from(encodeLogs(batch.logs)), 'protobuf');
      if (batch.metrics.length)
        await pipeline.export(metrics, Buffer.from(encodeMetrics(batch.metrics)), 'protobuf');
    }
  }

  async function settleEdges() {
    const rollups = new Rollups();
    edges.sweep(rollups, now);
    if (rollups.size) await queue.submit(writeItem(null, rollups));
  }

  async function pass() {
    // Quiet incidents resolve before the pass reads which are open (the workflow's timer).
    for (const [fingerprint, incident] of incidents) {
      if (now - Date.parse(incident.lastAnomalyAt) >= opts.detection.quietPeriodSeconds * 1000) {
        incidents.delete(fingerprint);
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
        const attached = attachAnomalies(open, candidate);
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
        await upsertIncident(pool, attached);
        continue;
      }
      // The workflow opens at its first activation, a moment after signal-with-start.
      const openedAt = now + 1_000;
      const id = `${candidate.fingerprint}-${new Date(openedAt).toISOString()}`;
      const state = openIncident(id, candidate, new Date(openedAt).toISOString());
      incidents.set(candidate.fingerprint, state);
      opened.push({ at: openedAt, service: candidate.service });
      await upsertIncident(pool, state);
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
      cure();
    }
    now = until;
  }

  /** Curable faults end once their incident has had time to run its runbook. */
  function cure() {
    for (const f of live) {
      if (!curable.has(f.fault.kind as FaultKind) || f.fault.endMs <= now) continue;
      const first = opened.find((o) => o.at >= f.fault.startMs && o.at <= f.watchUntil);
      if (first && now >= first.at + cureAfterDetectMs) {
        f.fault.endMs = first.at + cureAfterDetectMs;
        f.watchUntil = f.fault.endMs;
      }
    }
  }

  try {
    await runUntil(faultsStart);
    const falseOpened = opened.filter((o) => o.at >= faultFreeStart && o.at < faultsStart);
    for (let i = 0; i < opts.faults; i++) {
      const kind = kinds[i % kinds.length]!;
      const template = makeScenario(opts.topology, kind, opts.faultSeed + i).faults[0]!;
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
      await runUntil(now + afterFaultMs);
      const mine = opened.filter((o) => o.at >= injectedAt && o.at < now);
      const first = mine.find((o) => o.at <= watchedUntil);
      results.push({
        kind,
        service: fault.service,
        injectedAt,
        detectS: first && (first.at - injectedAt) / 1000,
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
        `| ${i + 1} | ${f.kind} | ${f.service} | ${f.detectS?.toFixed(0) ?? 'missed'} | ${f.blamedRight ? 'yes' : 'no'} | ${f.incidents} | ${f.incidentServices.join(', ')} |`,
    )
    .join('\n');
  return `| # | fault | service | detect (s) | incident blames it | incidents | incident services |
|---|---|---|---|---|---|---|
${rows}

| measure | result |
|---|---|
| detected | ${s.detected}/${s.faults} |
| median time to detect | ${s.medianDetectS.toFixed(0)} s |
| first incident blames the faulty service | ${pct(s.blamedRight)} |
| faults opening exactly one incident | ${pct(s.exactlyOne)} |
| false incidents, fault-free | ${r.falseIncidents} in ${r.faultFreeMinutes} min (${s.falseIncidentsPerHour.toFixed(1)}/h)${r.falseIncidentServices.length ? ` [${r.falseIncidentServices.join(', ')}]` : ''} |
| alert reduction | ${r.rawAnomalies} → ${r.incidentsOpened} (${(100 * s.alertReduction).toFixed(1)}%) |
`;
}
