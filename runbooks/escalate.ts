import { action, irreversible, type RunbookContext, type RunbookInput } from './sdk';

/** Tells the incident channel, then pages the people on call with the same words. */
export async function escalate(
  rb: RunbookContext,
  input: RunbookInput,
  o: { why: string; severity: 'critical' | 'error' | 'warning' },
): Promise<void> {
  const summary = `${o.why} (${input.service}, incident ${input.incidentId})${input.summary ? `: ${input.summary}` : ''}`;
  await rb.step({
    name: 'notify',
    describe: 'post the reason to the incident channel',
    risk: 'low',
    timeout: '1 minute',
    action: action('notifyChannel', { text: `Escalating: ${summary}` }),
    undo: irreversible('a message changes nothing'),
  });
  await rb.step({
    name: 'page',
    describe: `page the on-call (PagerDuty / webhook) at ${o.severity} severity`,
    risk: 'low',
    timeout: '1 minute',
    action: action('escalateIncident', {
      incidentId: input.incidentId,
      service: input.service,
      summary,
      severity: o.severity,
    }),
    undo: irreversible('people were paged; the page resolves with the incident'),
  });
}
