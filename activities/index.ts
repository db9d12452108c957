import type { Pool } from '../store/db';
import { createHeartbeatActivities } from './heartbeat';

export interface ActivityDeps {
  pool: Pool;
}

/** Every activity of the engine, built from explicitly passed dependencies (no singletons). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createHeartbeatActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
