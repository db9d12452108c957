import type { AlertRow } from '../store/alerts';
import type { Anomaly } from '../workflows/incident/types';

/** A recorded alert as the detection pass reads it (types only: no I/O here). */
export type ScoredAlert = AlertRow;

export interface AlertScoring {
  bucketMs: number;
  /** The bucket a still-firing alert is reported in (the pass's newest). */
  currentBucket: number;
  /** A return to firing this soon after resolving is the same trouble back (flapping). */
  flapMs: number;
}

/**
 * Severities that say "for information": such an alert backs an incident but never opens one.
 * Prometheus' convention (severity label); anything else, or none, is a fault someone chose to
 * be told about.
 */
const informational = new Set(['info', 'informational', 'none']);

/**
 * Turns recorded alerts into anomalies of their service, once per firing episode (episodes
 * already reported are in `reported`; a retried or repeated notice never counts twice). A new
 * episode opens an incident on its own (someone wrote a rule saying this is a fault), unless it
 * flaps or is informational: then it only backs one. An alert that keeps firing backs its
 * incident in every pass (so the incident does not resolve as quiet while the alert fires) but
 * never opens another.
 */
export function alertAnomalies(
  alerts: ScoredAlert[],
  reported: readonly string[],
  { bucketMs, currentBucket, flapMs }: AlertScoring,
): { anomalies: Anomaly[]; reported: string[] } {
  const seen = new Set(reported);
  const anomalies: Anomaly[] = [];
  const keys: string[] = [];
  for (const a of alerts) {
    const episode = `${a.tenant}|${a.fingerprint}|${a.episodes}`;
    keys.push(episode);
    const base = {
      service: a.service,
      ...(a.alertname === undefined ? {} : { operation: a.alertname }),
      signal: 'alert' as const,
      value: 1,
      baseline: 0,
    };
    if (!seen.has(episode)) {
      const flapping =
        a.previousResolvedAt !== undefined && a.firedAt - a.previousResolvedAt < flapMs;
      const backsOnly = flapping || informational.has((a.severity ?? '').toLowerCase());
      anomalies.push({
        ...base,
        seriesKey: `alert:${a.fingerprint}:${backsOnly ? 'backing' : 'firing'}`,
        score: a.severity?.toLowerCase() === 'critical' ? 1 : 0.99,
        // Prometheus' start of the condition, not our receipt: the fault's own onset.
        at: new Date(
          Math.floor(Math.min(a.startsAt, a.firedAt) / bucketMs) * bucketMs,
        ).toISOString(),
      });
    } else if (a.status === 'firing') {
      anomalies.push({
        ...base,
        seriesKey: `alert:${a.fingerprint}:backing`,
        score: 0.99,
        at: new Date(currentBucket).toISOString(),
      });
    }
  }
  return { anomalies, reported: keys };
}

/** An alert anomaly that opens an incident on its own (a new, non-flapping episode). */
export function alertOpens(a: Anomaly): boolean {
  return a.signal === 'alert' && a.seriesKey.endsWith(':firing');
}

/** An alert anomaly that only backs an incident (flapping, informational, or still firing). */
export function alertBacks(a: Anomaly): boolean {
  return a.signal === 'alert' && a.seriesKey.endsWith(':backing');
}
