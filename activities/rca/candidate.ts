import type { Evidence } from './evidence';
import type { Finding } from './outside-evidence';

/** `memory`: a memory or heap metric grew (a leak: a restart clears it, more replicas do not). */
export type CandidateKind = 'latency' | 'errors' | 'saturation' | 'memory' | 'dependency' | 'logs';

/** One ranked suspect. `score` is method-specific: compare ranks across methods, not scores. */
export interface RootCauseCandidate {
  service: string;
  operation?: string;
  kind: CandidateKind;
  score: number;
  evidence: {
    traceIds?: string[];
    templates?: string[];
    /** Series name → fault-window change (median fault − median baseline, series unit). */
    metricDeltas?: Record<string, number>;
    /** What the platform and alerts said of the service (outside-evidence.ts). */
    outside?: string[];
    /** The findings behind `outside` (e.g. `oomKilled`), strongest first: runbooks fit by them. */
    findings?: Finding[];
    /**
     * The operation whose calls stopped writing the line they wrote (skipped-lines.ts), when
     * that is the strongest of the service's log evidence.
     */
    skippedLines?: string;
    /**
     * The callee a caller's line about a call it made is about (logs.ts), when that line is the
     * strongest of the service's log evidence.
     */
    aboutCall?: string;
    /**
     * An ERROR line of the service's own, not about a call, written while its failure share
     * rose (logs.ts `isOwnFailingLine`), when that is the strongest of its log evidence.
     */
    ownFailingLine?: string;
  };
}

export interface RcaMethod {
  name: string;
  rank(evidence: Evidence): RootCauseCandidate[];
}

/** Highest score first; ties broken by name so rankings are deterministic. */
export function byScore(candidates: RootCauseCandidate[]): RootCauseCandidate[] {
  return candidates.sort((a, b) => b.score - a.score || a.service.localeCompare(b.service));
}
