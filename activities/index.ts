import type { Client } from '@temporalio/client';
import type { Pool } from '../store/db';
import {
  createDetectionActivities,
  defaultDetectionSettings,
  type DetectionSettings,
} from './detection';
import { createHeartbeatActivities } from './heartbeat';
import { createIncidentActivities } from './incidents';

export interface ActivityDeps {
  pool: Pool;
  /** For activities that start or signal workflows (opening incidents). */
  client?: Client;
  detection?: DetectionSettings;
  clock?: () => number;
}

/** Every activity of the engine, built from explicitly passed dependencies (no singletons). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createHeartbeatActivities(deps),
    ...createIncidentActivities(deps),
    ...createDetectionActivities({
      ...deps,
      detection: deps.detection ?? defaultDetectionSettings,
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
