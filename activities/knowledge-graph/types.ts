import type { CandidateKind } from '../rca/candidate';
import type { RunbookOutcome } from '../../runbooks/sdk/types';
import type { AnomalySignal, Severity } from '../../workflows/incident/types';

/**
 * Inputs and outputs of the knowledge-graph activities. The graph:
 *
 *   (:Service)-[:CALLS]->(:Service)
 *   (:Incident)-[:AFFECTED]->(:Service)
 *   (:Incident)-[:ROOT_CAUSE {kind, score}]->(:Service)
 *   (:Incident)-[:MATCHES]->(:FaultPattern {signature, symptoms})
 *   (:Incident)-[:REMEDIATED_BY {version, outcome, approvedBy}]->(:Runbook)
 */

/** One symptom of a fault: a signal seen on a service. A fault pattern is a set of these. */
export interface Symptom {
  service: string;
  signal: AnomalySignal;
}

export interface RemediationRecord {
  runbook: string;
  version: number;
  outcome: RunbookOutcome;
  /** Who approved the run (empty when no approval was needed). */
  approvedBy: string[];
}

/** A finished incident, as the graph keeps it. Recording it again replaces what was recorded. */
export interface IncidentGraphRecord {
  incidentId: string;
  fingerprint: string;
  severity: Severity;
  /** ISO-8601. */
  openedAt: string;
  resolvedAt?: string;
  /** Every affected service. */
  services: string[];
  symptoms: Symptom[];
  rootCause?: { service: string; kind: CandidateKind; score: number };
  /** Runbook runs for this incident, in order. */
  remediations: RemediationRecord[];
  summary?: string;
}

/** One observed call relation (from the service-edge rollups). */
export interface ServiceCall {
  caller: string;
  callee: string;
}

export interface ServiceGraphInput {
  calls: ServiceCall[];
  /** ISO-8601; kept as the edge's lastSeenAt. */
  observedAt: string;
}

export interface SimilarIncidentsQuery {
  services: string[];
  symptoms: Symptom[];
  rootCauseService?: string;
  limit: number;
  /** Leave this incident out (the one being investigated, if it was recorded before). */
  excludeIncidentId?: string;
}

export interface SimilarIncident {
  incidentId: string;
  /** In [0, 1]: weighted overlap of affected subgraph, symptoms and root-cause service. */
  score: number;
  openedAt: string;
  sharedServices: string[];
  rootCause?: { service: string; kind: string; score: number };
  remediations: Omit<RemediationRecord, 'approvedBy'>[];
  summary?: string;
}

export interface RunbookQuery {
  /** The root-cause service. */
  service: string;
  kind: CandidateKind;
}

/** How one runbook fared on past incidents with the same root-cause service and kind. */
export interface RunbookTally {
  runbook: string;
  successes: number;
  /** Failed or rolled back (rejections and dry runs say nothing about the fix). */
  failures: number;
}

export interface RunbookRecommendation {
  /** The runbook that fixed such incidents most often; absent when none ever succeeded. */
  recommended?: RunbookTally;
  tallies: RunbookTally[];
}

/**
 * Every activity answers this way: the graph is advisory, so when it cannot be reached the
 * investigation goes on and reports why the graph was not consulted.
 */
export type GraphAnswer<T> = ({ available: true } & T) | { available: false; reason: string };
