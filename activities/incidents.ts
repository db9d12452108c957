import type { Pool } from '../store/db';
import { upsertIncident } from '../store/incidents';
import type { IncidentState } from '../workflows/incident/types';
import type { IncidentNotifier } from './notify';

export function createIncidentActivities({
  pool,
  notifier,
}: {
  pool: Pool;
  notifier?: IncidentNotifier | undefined;
}) {
  return {
    async recordIncident(state: IncidentState): Promise<void> {
      await upsertIncident(pool, state);
      await notifier?.incidentChanged(state);
    },
  };
}
