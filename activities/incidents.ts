import type { Pool } from '../store/db';
import { upsertIncident } from '../store/incidents';
import type { IncidentState } from '../workflows/incident/types';

export function createIncidentActivities({ pool }: { pool: Pool }) {
  return {
    async recordIncident(state: IncidentState): Promise<void> {
      await upsertIncident(pool, state);
    },
  };
}
