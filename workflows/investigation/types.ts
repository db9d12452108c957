import type {
  RunbookRecommendation,
  SimilarIncident,
} from '../../activities/knowledge-graph/types';
import type { RootCauseCandidate } from '../../activities/rca/candidate';
import type { IncidentSummary } from '../../activities/summarizer/types';
import type { Anomaly, Severity } from '../incident/types';

export interface InvestigationInput {
  investigationId: string;
  incidentId?: string;
  /** ISO-8601: when the fault began (the first anomaly, less a margin). */
  faultStart: string;
  /**
   * ISO-8601: the incident's first anomaly. An other incident whose last anomaly came between
   * `faultStart` and this one ended just before: the fault window opens after it.
   */
  firstAnomalyAt?: string;
  /** ISO-8601: end of the fault window. */
  end: string;
  /** Minutes of healthy traffic before the fault to compare against. */
  baselineMinutes: number;
  /** What detection saw, when the investigation runs for an incident. */
  incident?: {
    service: string;
    services: string[];
    severity: Severity;
    openedAt: string;
    anomalies: Anomaly[];
  };
}

/** What the workflow carries: the top candidates, trimmed; the full ranking stays in PostgreSQL. */
export interface RankedRootCauses {
  investigationId: string;
  candidates: RootCauseCandidate[];
  spans: number;
  traceSampleRatio: number;
  methods: string[];
  /**
   * Each member method's first pick (a member that scored no service left out): whether the
   * fused top is more than one method's reading. Absent in rankings recorded before it was carried.
   */
  firstPicks?: Record<string, string>;
  /** What the ranking had to go without (e.g. a history read past its budget), and why; absent
   *  in rankings recorded before it was reported. */
  notes?: string[];
}

export interface InvestigationResult {
  ranked: RankedRootCauses;
  similarIncidents: SimilarIncident[];
  recommendation?: RunbookRecommendation;
  summary: IncidentSummary;
  /** Parts that could not be consulted, and why (e.g. the knowledge graph was unreachable). */
  notes: string[];
}
