import type { Pool } from '../../store/db';
import {
  markNotification,
  queueNotifications,
  unsentNotifications,
  type PendingNotification,
} from '../../store/incident-notifications';
import type { IncidentState } from '../../workflows/incident/types';
import { incidentEvent, pagerDutyAction, pagerDutyEvent } from './events';
import { sendPagerDutyEvent, type PagerDutySettings } from './pagerduty';
import { postWebhook } from './webhook';

export interface NotifyTargets {
  webhook?: { url: string; secret: string | undefined };
  pagerDuty?: PagerDutySettings;
}

/** Attempts per notification before it is left unsent (with its last error in the table). */
const maxAttempts = 10;

export interface IncidentNotifier {
  /**
   * Queues what this state calls for (once per incident, channel and event) and delivers every
   * unsent notification. Never throws: a receiver's outage must not hold up the incident; what
   * failed stays queued and is retried on the next incident update.
   */
  incidentChanged(state: IncidentState): Promise<{ sent: number; failed: string[] }>;
}

export function createIncidentNotifier(
  pool: Pool,
  targets: NotifyTargets,
  log: (line: string) => void = (line) => console.warn(line),
): IncidentNotifier | undefined {
  const { webhook, pagerDuty } = targets;
  if (!webhook && !pagerDuty) return undefined;
  const send = async (n: PendingNotification) => {
    if (n.channel === 'webhook' && webhook) return postWebhook(webhook, n.payload);
    if (n.channel === 'pagerduty' && pagerDuty)
      return sendPagerDutyEvent(pagerDuty, n.payload as Record<string, unknown>);
    throw new Error(`the ${n.channel} channel is not configured any more`);
  };
  return {
    async incidentChanged(state) {
      const queued: PendingNotification[] = [];
      const base = { incidentId: state.incidentId, event: state.status };
      if (webhook) queued.push({ ...base, channel: 'webhook', payload: incidentEvent(state) });
      const action = pagerDuty && pagerDutyAction(state.status);
      if (action)
        queued.push({
          ...base,
          event: action,
          channel: 'pagerduty',
          payload: pagerDutyEvent(state, action),
        });
      const outcome = { sent: 0, failed: [] as string[] };
      try {
        await queueNotifications(pool, queued);
        // Oldest first: a resolve never overtakes its incident's trigger.
        for (const n of await unsentNotifications(pool, maxAttempts, 50)) {
          try {
            await send(n);
            await markNotification(pool, n, { sent: true });
            outcome.sent++;
          } catch (err) {
            const error = err instanceof Error ? err.message : String(err);
            outcome.failed.push(`${n.channel} ${n.event} of ${n.incidentId}: ${error}`);
            await markNotification(pool, n, { sent: false, error });
          }
        }
      } catch (err) {
        outcome.failed.push(`notifications not queued: ${String(err)}`);
      }
      for (const f of outcome.failed) log(`[notify] ${f}`);
      return outcome;
    },
  };
}
