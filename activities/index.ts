import type { Pool } from '../store/db';
import { createHeartbeatActivities } from './heartbeat';
import { createIncidentActivities } from './incidents';

export interface ActivityDeps {
  pool: Pool;
}

/** Every activity of the engine, built from explicitly passed dependencies (no singletons). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createHeartbeatActivities(deps),
    ...createIncidentActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
