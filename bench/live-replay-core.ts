import type { Pool } from '../store/db';
import { defaultMaturedRankSeconds } from '../workflows/incident/matured-rank';
import type { Config } from '../worker/config';
import type { IncidentRow } from './nezha/live-score';
import {
  dueRequests,
  plan,
  settleMs,
  type LivePlan,
  type LiveSettings,
} from './nezha/live-timeline';
import {
  createSimulatedEngine,
  scheduledDetection,
  type Ingest,
  type OpenedIncident,
} from './simulated-engine';

/**
 * bench:live's timeline in simulated time (see simulated-engine.ts): the same settings and seed
 * give the same minutes, fed in 1-second slices through the real ingest pipeline; incidents
 * follow the incident workflow, ranking again when the opening was not decisive.
 */
const sliceMs = 1_000;

export interface LiveReplayResult {
  run: LivePlan;
  incidents: IncidentRow[];
  opened: OpenedIncident[];
  passes: number;
  wallSeconds: number;
}

/** Plays the live timeline from `start` against `pool`, with the engine settings of `config`. */
export async function replayLive(
  pool: Pool,
  settings: LiveSettings,
  start: number,
  config: Pick<Config, 'detection'>,
  log?: (line: string) => void,
): Promise<LiveReplayResult> {
  const t0 = performance.now();
  const run = plan(start, settings);
  const requestsDue = dueRequests(run.minutes);
  async function emitSlice(from: number, ingest: Ingest) {
    for (const request of requestsDue(from + sliceMs))
      await ingest(request.signal, Buffer.from(JSON.stringify(request.body)), 'json');
  }
  const engine = createSimulatedEngine({
    pool,
    ...scheduledDetection(config),
    start,
    // bench:live posts what is due every second: a pass sees the current bucket's first seconds.
    sliceMs,
    emitSlice,
    maturedRankSeconds: defaultMaturedRankSeconds,
    log,
  });
  try {
    await engine.runUntil(run.end + settleMs);
  } finally {
    await engine.close();
  }
  const incidents = engine.opened.map((o) => {
    const rootCause = o.maturedRootCause ?? o.rootCause;
    return {
      incident_id: o.id,
      fingerprint: o.fingerprint,
      opened_at: new Date(o.at),
      service: o.service,
      services: o.state.services,
      root_cause: rootCause === undefined ? null : { service: rootCause },
      opening_root_cause: o.rootCause ?? null,
    };
  });
  return {
    run,
    incidents,
    opened: engine.opened,
    passes: engine.stats().passes,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}
