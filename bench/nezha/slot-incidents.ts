/**
 * Each replayed fault recorded as the incident a running engine would have opened for it, so the
 * ranking of a later fault sees the earlier ones as incidents (a live store holds them; without
 * them a level an earlier fault reached reads as the system's routine, round 21's `rc21`).
 *
 * Opened at the injection; its last anomaly at the end of the fault's recorded minutes, the last
 * data the slot holds (the store's own lead and tail then frame its period, `incidentPeriods`,
 * which ends before the next slot's baseline). No services: what an engine would have blamed is
 * detection's answer, which this bench does not run, and the fault's true service would be the
 * ground truth leaking into the ranking.
 */
import type { IncidentState } from '../../workflows/incident/types';
import { upsertIncident } from '../../store/incidents';
import type { Pool } from '../../store/db';
import type { FaultReplay } from './replay';

/** The incident of the i-th replayed fault. */
export function slotIncident(replay: FaultReplay, i: number): IncidentState {
  const id = `nezha-slot-${i + 1}`;
  return {
    incidentId: id,
    fingerprint: id,
    service: '',
    services: [],
    status: 'resolved',
    severity: 'medium',
    openedAt: replay.window.start.toISOString(),
    lastAnomalyAt: replay.window.end.toISOString(),
    anomalyCount: 0,
    topAnomalies: [],
  };
}

/** Stores every replayed fault's incident. */
export async function recordSlotIncidents(
  pool: Pool,
  replays: readonly FaultReplay[],
): Promise<void> {
  for (const [i, replay] of replays.entries()) await upsertIncident(pool, slotIncident(replay, i));
}
