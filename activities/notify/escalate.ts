import { ApplicationFailure } from '@temporalio/activity';
import type { ActionRequest, ActionResult } from '../../runbooks/sdk/types';
import type { NotifyTargets } from './index';
import { sendPagerDutyEvent } from './pagerduty';
import { postWebhook } from './webhook';

/**
 * Escalation to the people on call: a PagerDuty page and a webhook event (the integrations'
 * configured targets), for faults no automatic fix applies to (a dependency's outage, a
 * certificate about to expire).
 */
export function createEscalationActivities({ escalation }: { escalation?: NotifyTargets }) {
  return {
    /**
     * Pages PagerDuty (Events API v2 trigger) and posts a webhook event, with the action id as
     * dedup key and event id: a retry is one page and one event. Fails unless one of them is
     * configured (a page nobody receives is no escalation). Cannot be undone: people were paged.
     */
    async escalateIncident({
      actionId,
      params,
    }: ActionRequest<{
      incidentId: string;
      service: string;
      summary: string;
      severity: 'critical' | 'error' | 'warning' | 'info';
    }>): Promise<ActionResult<{ sentTo: string[] }>> {
      const { pagerDuty, webhook } = escalation ?? {};
      if (!pagerDuty && !webhook)
        throw ApplicationFailure.nonRetryable(
          'no escalation target configured (PagerDuty or webhook)',
          'NotConfigured',
        );
      const sentTo: string[] = [];
      if (pagerDuty) {
        await sendPagerDutyEvent(pagerDuty, {
          event_action: 'trigger',
          dedup_key: actionId,
          client: 'aiops-engine',
          payload: {
            summary: params.summary.slice(0, 1024),
            source: params.service,
            severity: params.severity,
            component: params.service,
            custom_details: { incident_id: params.incidentId },
          },
        });
        sentTo.push('pagerduty');
      }
      if (webhook) {
        await postWebhook(webhook, {
          id: actionId,
          type: 'incident.escalated',
          incident: { incidentId: params.incidentId, service: params.service },
          summary: params.summary,
          severity: params.severity,
        });
        sentTo.push('webhook');
      }
      return {
        summary: `escalated to ${sentTo.join(' and ')}: ${params.summary}`,
        changed: true,
        details: { sentTo },
      };
    },
  };
}
