import type { AnomalySignal } from '../../workflows/incident/types';
import type { ServiceHealth } from './types';

/**
 * Runs (and incidents) started before verification judged the incident's own symptom act as
 * they did: their histories must replay.
 */
export const incidentSymptomPatch = 'verify-incident-symptom';

/**
 * Incidents that reached remediation before the symptom's baseline was the investigation's quiet
 * one compare with the ten minutes before the fault, as they did: their histories must replay.
 */
export const quietSymptomBaselinePatch = 'symptom-quiet-baseline';

/**
 * The incident's own symptom, as verification judges it: what users saw (slow answers, failed
 * ones) on the service the runbook fixes, against that service's health before the incident.
 */
export interface IncidentSymptomCheck {
  /** What the incident opened on, as health can measure it. */
  signals: SymptomSignal[];
  /** The service's health before the incident (ISO 8601): the level it must come back to. */
  baselineFrom: string;
  baselineTo: string;
  /**
   * Stretches of the baseline left out (ISO 8601): other incidents of the service, whose level is
   * a fault's, not its health. Checks built before the quiet baseline have none.
   */
  excluded?: { from: string; to: string }[];
  /**
   * The incident's first anomaly (ISO 8601): from then until the change, the service showed the
   * fault's own level. Checks built before it have none.
   */
  faultFrom?: string;
}

export type SymptomSignal = 'latency' | 'errors';

/**
 * The incident's anomaly signals as health can measure them: saturation reaches users as slow
 * answers; traffic, logs, metrics and alerts have no RED reading to come back to. Pure.
 */
export function measurableSignals(signals: readonly AnomalySignal[]): SymptomSignal[] {
  const out = new Set<SymptomSignal>();
  for (const s of signals) {
    if (s === 'latency' || s === 'saturation') out.add('latency');
    if (s === 'errors') out.add('errors');
  }
  return [...out].sort();
}

/** How far above its baseline a signal may stay and count as back (noise, a warm-up). */
const latencyFactor = 1.5;
const latencySlackMs = 25;
const errorFactor = 2;
const errorSlack = 0.01;

/** A baseline over fewer requests says nothing about the service's usual level. */
export const minBaselineRequests = 20;

/** The bounds a reading must meet for the incident's symptom to count as gone. */
export interface SymptomBounds {
  maxP95LatencyMs?: number;
  maxErrorRate?: number;
}

/**
 * Bounds from the service's baseline for each symptom signal; none from a baseline too thin to
 * say what normal is (verification then judges by the runbook's own checks alone). Pure.
 */
export function symptomBounds(
  baseline: ServiceHealth,
  signals: readonly SymptomSignal[],
): SymptomBounds {
  if (baseline.requests < minBaselineRequests) return {};
  const bounds: SymptomBounds = {};
  if (signals.includes('latency') && baseline.p95LatencyMs > 0)
    bounds.maxP95LatencyMs = Math.max(
      baseline.p95LatencyMs * latencyFactor,
      baseline.p95LatencyMs + latencySlackMs,
    );
  if (signals.includes('errors'))
    bounds.maxErrorRate = Math.max(
      baseline.errorRate * errorFactor,
      baseline.errorRate + errorSlack,
    );
  return bounds;
}

/** The stricter of the runbook's own bound and the symptom's. Pure. */
export function stricter(own: number | undefined, symptom: number | undefined): number | undefined {
  if (own === undefined) return symptom;
  return symptom === undefined ? own : Math.min(own, symptom);
}
