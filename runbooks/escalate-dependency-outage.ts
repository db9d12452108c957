import { defineRunbook } from './sdk';
import { escalate } from './escalate';

/**
 * A dependency the team does not run is down: nothing here can fix it, so the people on call
 * are told and paged. Run by name (or by an alert), not chosen by root cause: paging needs a
 * configured PagerDuty or webhook.
 */
export const escalateDependencyOutageV1 = defineRunbook({
  name: 'escalate-dependency-outage',
  version: 1,
  title: 'Escalate an outage of a dependency to the on-call',
  risk: 'low',
  incidentKinds: ['dependency-outage'],
  body: (rb, input) =>
    escalate(rb, input, {
      why: 'a dependency is down; no automatic fix applies',
      severity: 'error',
    }),
});
