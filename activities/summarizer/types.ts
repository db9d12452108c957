import type { CatalogEntry } from '../../runbooks/catalog';
import type { SimilarIncident } from '../knowledge-graph/types';
import type { RootCauseCandidate } from '../rca/candidate';
import type { Anomaly, Severity } from '../../workflows/incident/types';

/** A log line as evidence: its text is untrusted (anyone who can log can write it). */
export interface EvidenceLogLine {
  service: string;
  severity?: string;
  body: string;
  /** How many times this line (or its template) was seen in the fault window. */
  count?: number;
}

/** What the summary is written from. Lists are ranked by the caller, most telling first. */
export interface SummaryInput {
  incidentId: string;
  service: string;
  severity: Severity;
  /** ISO-8601. */
  openedAt: string;
  candidates: RootCauseCandidate[];
  anomalies: Anomaly[];
  logLines: EvidenceLogLine[];
  similarIncidents: SimilarIncident[];
  /** What fixed incidents with this root cause before, per the knowledge graph. */
  graphRecommendation?: { runbook: string; successes: number; failures: number };
  /** The only runbooks a summary may recommend. */
  runbookCatalog: Pick<CatalogEntry, 'name' | 'title' | 'kinds'>[];
}

export interface IncidentSummary {
  summary: string;
  likelyCause: string;
  /** In [0, 1]. */
  confidence: number;
  /** A name from the input's runbook catalog, or null: notify people, run nothing. */
  recommendedRunbook: string | null;
  nextChecks: string[];
  /** Who wrote it: the LLM, or the deterministic template (no key, or the LLM failed). */
  source: 'llm' | 'template';
  model?: string;
  /** What the reader should know about how it was made (trimmed evidence, fallbacks, …). */
  notes: string[];
}
