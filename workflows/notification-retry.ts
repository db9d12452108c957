import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** Each notification has 10 attempts in all (activities/notify); the first was the incident's. */
const { deliverIncidentNotifications } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '10 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    maximumAttempts: 9,
  },
});

/**
 * Retries an incident's undelivered notifications (webhook, PagerDuty) with backoff until they
 * are delivered or out of attempts. A workflow of its own, started by the incident and not
 * ended with it: the resolve of a closed incident still reaches PagerDuty once it is back.
 */
export async function notificationRetryWorkflow(incidentId: string): Promise<{ sent: number }> {
  // Out of attempts, it fails (visibly); each notification's last error is in its table.
  return deliverIncidentNotifications(incidentId);
}
