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

export interface DeliveryOutcome {
  sent: number;
  /** What failed, and why; each stays queued while it has attempts left. */
  failed: { incidentId: string; reason: string }[];
}

export interface IncidentNotifier {
  /**
   * Queues what this state calls for (once per incident, channel and event) and delivers every
   * unsent notification. Never throws: a receiver's outage must not hold up the incident; what
   * failed stays queued for `deliverUnsent` (retried with backoff) and the next update.
   */
  incidentChanged(state: IncidentState): Promise<DeliveryOutcome>;
  /** Delivers the unsent notifications of one incident (a retry). */
  deliverUnsent(incidentId: string): Promise<DeliveryOutcome>;
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
  /**
   * Oldest first; after a failure, the incident's later notifications on that channel wait for
   * the next attempt (a resolve never overtakes its incident's trigger).
   */
  const deliver = async (incidentId?: string): Promise<DeliveryOutcome> => {
    const outcome: DeliveryOutcome = { sent: 0, failed: [] };
    const blocked = new Set<string>();
    for (const n of await unsentNotifications(pool, maxAttempts, 50, incidentId)) {
      const stream = `${n.incidentId}\u0000${n.channel}`;
      if (blocked.has(stream)) continue;
      try {
        await send(n);
        await markNotification(pool, n, { sent: true });
        outcome.sent++;
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        outcome.failed.push({
          incidentId: n.incidentId,
          reason: `${n.channel} ${n.event} of ${n.incidentId}: ${error}`,
        });
        blocked.add(stream);
        await markNotification(pool, n, { sent: false, error });
      }
    }
    for (const f of outcome.failed) log(`[notify] ${f.reason}`);
    return outcome;
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
      try {
        await queueNotifications(pool, queued);
        return await deliver();
      } catch (err) {
        const reason = `notifications not queued or read: ${String(err)}`;
        log(`[notify] ${reason}`);
        return { sent: 0, failed: [{ incidentId: state.incidentId, reason }] };
      }
    },
    deliverUnsent: (incidentId) => deliver(incidentId),
  };
}
