import { ApplicationFailure } from '@temporalio/activity';
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
    /** Records the incident and notifies; `undelivered`: notifications of it left to retry. */
    async recordIncident(state: IncidentState): Promise<{ undelivered: number }> {
      await upsertIncident(pool, state);
      const outcome = await notifier?.incidentChanged(state);
      const ours = outcome?.failed.filter((f) => f.incidentId === state.incidentId) ?? [];
      return { undelivered: ours.length };
    },

    /**
     * Delivers the incident's unsent notifications; fails while any cannot be delivered, so that
     * Temporal retries it with backoff (each notification has at most 10 attempts in all).
     */
    async deliverIncidentNotifications(incidentId: string): Promise<{ sent: number }> {
      if (!notifier) return { sent: 0 };
      const { sent, failed } = await notifier.deliverUnsent(incidentId);
      if (failed.length)
        throw ApplicationFailure.retryable(
          `${failed.length} notification(s) not delivered: ${failed.map((f) => f.reason).join('; ')}`,
          'NotificationUndelivered',
        );
      return { sent };
    },
  };
}
