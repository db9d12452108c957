/** What a detector saw: one scored point of one series that crossed the anomaly threshold. */
export interface Anomaly {
  /** Stable series identity, e.g. `op:checkout:PlaceOrder:p95` or `edge:frontend>cart:errors`. */
  seriesKey: string;
  service: string;
  operation?: string;
  signal: AnomalySignal;
  /** Anomaly score in [0, 1]. */
  score: number;
  value: number;
  baseline?: number;
  /** Bucket start, ISO-8601. */
  at: string;
}

/** `alert`: an alert from Alertmanager or the alert webhook (its operation is the alert's name). */
export type AnomalySignal =
  'latency' | 'errors' | 'traffic' | 'saturation' | 'logs' | 'metric' | 'alert';

/** Anomalies the detection pass correlated into one fault. */
export interface IncidentCandidate {
  /** Identifies this report: a retried delivery of the same report is ignored. */
  key?: string;
  fingerprint: string;
  /** The service the correlation points at (deepest anomalous service of the group). */
  service: string;
  /** Every anomalous service of the group. */
  services: string[];
  anomalies: Anomaly[];
  observedAt: string;
  /**
   * Nothing in it could have opened an incident (e.g. gauges alone): it backs the open incident
   * but neither restarts its quiet period nor opens one.
   */
  backsOnly?: boolean;
}

export type IncidentStatus =
  'open' | 'investigating' | 'awaiting_approval' | 'remediating' | 'resolved' | 'closed';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface IncidentState {
  incidentId: string;
  fingerprint: string;
  service: string;
  services: string[];
  status: IncidentStatus;
  severity: Severity;
  openedAt: string;
  lastAnomalyAt: string;
  /**
   * The newest bucket of evidence that keeps it open (not IncidentCandidate.backsOnly), or when
   * it opened if later; absent in incidents from before, whose every anomaly kept them open.
   */
  sustainedAt?: string;
  /**
   * When the latest report of its anomalies (of its sustaining evidence, once sustainedAt is
   * kept) reached the incident (absent: when it opened).
   */
  lastHeardAt?: string;
  anomalyCount: number;
  /** The strongest anomalies seen, capped so the state stays small. */
  topAnomalies: Anomaly[];
  /** Keys of the latest reports folded in, so a redelivered one is not counted twice. */
  recentCandidateKeys?: string[];
  investigationId?: string;
  /** The investigation's summary, for people (LLM-written, or from the template). */
  summary?: string;
  /** `outside`: what the cluster and alerts said of it (e.g. an OOMKilled container). */
  rootCause?: { service: string; kind: string; score: number; outside?: string[] };
  /** The opening's root cause, when the ranking of the matured window named another. */
  rootCauseRevisedFrom?: string;
  /** What went wrong along the way (a failed investigation, an unavailable service). */
  notes?: string[];
  runbook?: string;
  /** Each runbook run for it, in order: `<name> v<version>: <outcome>`. */
  remedies?: string[];
  /** The last run's outcome; `not_needed` also when its fault had passed before it acted. */
  remediationOutcome?: string;
  resolution?: string;
}

export interface IncidentInput {
  fingerprint: string;
  /** Resolve on our own after this long without a new anomaly. */
  quietPeriodSeconds: number;
  /** Run a runbook after the investigation (default true). */
  remediate?: boolean;
  /** Task queue of the runbook workers (default: this workflow's). */
  remediationTaskQueue?: string;
  /**
   * Seconds after the first anomaly before root causes are ranked (default 0). An incident opened
   * seconds into a fault has too little of it stored to rank; the wait lets the fault show.
   */
  faultEvidenceSeconds?: number;
  /**
   * Seconds after the first anomaly when an incident whose first ranking was not decisive ranks
   * again, over the fuller window, and keeps that answer (default 180).
   */
  maturedRankSeconds?: number;
  /** Minutes of healthy traffic the investigation compares the fault window with. */
  baselineMinutes?: number;
  /** Continue as new past this many history events (default 5,000, far below Temporal's limit). */
  maxHistoryEvents?: number;
  /** Present when continuing as new: the state to carry on with. */
  state?: IncidentState;
  /** The resolved incident of this fingerprint that this run reopens (its fault came back). */
  reopened?: IncidentState;
}

export interface CloseRequest {
  by: string;
  reason: string;
}
