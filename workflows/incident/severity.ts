import type { Anomaly, Severity } from './types';

const rank: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Errors hurt users directly; latency and saturation degrade; logs and metrics only hint. */
export function severityOf(anomalies: Anomaly[], serviceCount: number): Severity {
  let severity: Severity = 'low';
  for (const a of anomalies) {
    let s: Severity = 'low';
    if (a.signal === 'errors') s = a.score >= 0.99 || serviceCount >= 3 ? 'critical' : 'high';
    else if (a.signal === 'latency' || a.signal === 'saturation')
      s = a.score >= 0.99 ? 'high' : 'medium';
    else if (a.signal === 'traffic') s = 'medium';
    // Someone chose to be told: as severe as their rule says (critical) or next to it.
    else if (a.signal === 'alert') s = a.score >= 1 ? 'critical' : 'high';
    if (rank[s] > rank[severity]) severity = s;
  }
  return severity;
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return rank[a] >= rank[b] ? a : b;
}
