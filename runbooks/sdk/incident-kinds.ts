/**
 * The incidents runbooks are written for, in operators' words: the catalog lists each runbook
 * under the ones it fits. The engine chooses by root cause kind; these are for people.
 */
export const incidentKinds = [
  'bad-deploy',
  'stuck-rollout',
  'memory-leak',
  'cpu-saturation',
  'traffic-surge',
  'crash-loop',
  'hung-process',
  'slow-query',
  'blocking-query',
  'disk-full',
  'log-growth',
  'node-pressure',
  'dependency-outage',
  'certificate-expiry',
  'config-error-burst',
  'unknown',
] as const;

export type IncidentKind = (typeof incidentKinds)[number];
