import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The search attributes that make an incident findable in the Temporal Web UI. */
export const incidentSeverity = defineSearchAttributeKey(
  'IncidentSeverity',
  SearchAttributeType.KEYWORD,
);
export const incidentService = defineSearchAttributeKey(
  'IncidentService',
  SearchAttributeType.KEYWORD,
);
export const incidentStatus = defineSearchAttributeKey(
  'IncidentStatus',
  SearchAttributeType.KEYWORD,
);
export const rootCause = defineSearchAttributeKey('RootCause', SearchAttributeType.KEYWORD);
export const runbook = defineSearchAttributeKey('Runbook', SearchAttributeType.KEYWORD);
/** The opening's root cause, set when the matured ranking named another. */
export const rootCauseRevisedFrom = defineSearchAttributeKey(
  'RootCauseRevisedFrom',
  SearchAttributeType.KEYWORD,
);

export const allSearchAttributes = [
  incidentSeverity,
  incidentService,
  incidentStatus,
  rootCause,
  runbook,
  rootCauseRevisedFrom,
];
