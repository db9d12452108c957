import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { correlateAnomalies } from '../detectors/correlation';
import { DirectionalSeriesScorer, type SeriesScorerState } from '../detectors/series-scorer';
import type { Pool } from '../store/db';
import {
  commitPass,
  findPass,
  lastWindowEnd,
  loadDetectorStates,
  readDetectionSeries,
  readServiceEdges,
  type SeriesPoint,
} from '../store/detection';
import { openIncidents } from '../store/incidents';
import { rollupBucketSeconds } from '../store/telemetry-rollups';
import type { Anomaly, IncidentCandidate } from '../workflows/incident/types';
import { signalIncident } from './incident-signal';
import { readTemplateWindow } from './log-templates';

export interface DetectionSettings {
  /** A bucket is scored once this long has passed since its end, so late spans are in it. */
  graceSeconds: number;
  /** Longest stretch one pass scores (catch-up after downtime is bounded). */
  maxWindowSeconds: number;
  /** Score from which a point is an anomaly. */
  threshold: number;
  incidentTaskQueue: string;
  quietPeriodSeconds: number;
}

export const defaultDetectionSettings: DetectionSettings = {
  graceSeconds: 3,
  maxWindowSeconds: 300,
  threshold: 0.9,
  incidentTaskQueue: 'aiops-incident',
  quietPeriodSeconds: 180,
};

export interface DetectionDeps {
  pool: Pool;
  /** Needed only to open incidents; a worker without it cannot run that activity. */
  client?: Client;
  detection: DetectionSettings;
  /** Wall clock in ms; injectable so tests decide which buckets are complete. */
  clock?: () => number;
}

export interface DetectionPassResult {
  windowStart: string;
  windowEnd: string;
  seriesScored: number;
  pointsScored: number;
  anomalies: number;
  candidates: IncidentCandidate[];
}

const bucketMs = rollupBucketSeconds * 1000;

function groupBySeries(points: SeriesPoint[]): Map<string, SeriesPoint[]> {
  const series = new Map<string, SeriesPoint[]>();
  for (const p of points) {
    const list = series.get(p.seriesKey) ?? [];
    list.push(p);
    series.set(p.seriesKey, list);
  }
  for (const list of series.values()) list.sort((a, b) => a.bucket - b.bucket);
  return series;
}

export function createDetectionActivities({
  pool,
  client,
  detection,
  clock = Date.now,
}: DetectionDeps) {
  return {
    /**
     * Scores every series over the buckets completed since the last pass, with each series'
     * detector resumed from PostgreSQL, and correlates the anomalies into incident candidates.
     * Keyed by the workflow run: a retry returns the committed result instead of rescoring.
     */
    async runDetectionPass(): Promise<DetectionPassResult> {
      const info = Context.current().info;
      const passId = info.workflowExecution?.runId ?? info.activityId;
      const done = await findPass<DetectionPassResult>(pool, passId);
      if (done) return done.result;

      const now = clock();
      const windowEnd =
        Math.floor((now - detection.graceSeconds * 1000) / bucketMs) * bucketMs - bucketMs;
      const previous = (await lastWindowEnd(pool))?.getTime();
      const windowStart = Math.max(
        previous ?? windowEnd - bucketMs,
        windowEnd - detection.maxWindowSeconds * 1000,
      );
      const result: DetectionPassResult = {
        windowStart: new Date(windowStart).toISOString(),
        windowEnd: new Date(Math.max(windowEnd, windowStart)).toISOString(),
        seriesScored: 0,
        pointsScored: 0,
        anomalies: 0,
        candidates: [],
      };
      if (windowEnd <= windowStart) return result;

      const logs = await readTemplateWindow(
        pool,
        new Date(windowStart + bucketMs),
        new Date(windowEnd + bucketMs),
      );
      const series = groupBySeries([
        ...(await readDetectionSeries(pool, new Date(windowStart), new Date(windowEnd))),
        ...logs.points,
      ]);
      const stored = await loadDetectorStates(pool, [...series.keys()]);
      const states = new Map<string, SeriesScorerState>();
      const anomalies: Anomaly[] = [...logs.newTemplates];
      for (const [key, points] of series) {
        const scorer = new DirectionalSeriesScorer(points[0]!.signal, detection.threshold);
        const state = stored.get(key) as SeriesScorerState | undefined;
        if (state) scorer.importState(state);
        for (const p of points) {
          const scored = scorer.score(p.value, p.support);
          result.pointsScored++;
          if (scored.score >= detection.threshold) {
            anomalies.push({
              seriesKey: key,
              service: p.service,
              operation: p.operation,
              signal: p.signal === 'metric' ? 'saturation' : p.signal,
              score: scored.score,
              value: p.value,
              baseline: scored.baseline,
              at: new Date(p.bucket).toISOString(),
            });
          }
        }
        states.set(key, scorer.exportState());
      }
      result.seriesScored = series.size;
      result.anomalies = anomalies.length;
      if (anomalies.length) {
        const edges = await readServiceEdges(
          pool,
          new Date(windowEnd - 10 * 60_000),
          new Date(windowEnd),
        );
        result.candidates = correlateAnomalies(
          anomalies,
          edges,
          await openIncidents(pool),
          result.windowEnd,
        );
      }
      await commitPass(pool, passId, new Date(windowEnd), result, states);
      return result;
    },

    /** Opens or attaches one incident per candidate (signal-with-start: retries attach again
     * with the same candidate key, which the incident ignores). */
    async openOrAttachIncidents(candidates: IncidentCandidate[]): Promise<string[]> {
      if (!client) throw new Error('openOrAttachIncidents needs a Temporal client in its deps');
      const ids: string[] = [];
      for (const candidate of candidates) {
        ids.push(
          await signalIncident(client, candidate, {
            taskQueue: detection.incidentTaskQueue,
            quietPeriodSeconds: detection.quietPeriodSeconds,
          }),
        );
      }
      return ids;
    },
  };
}
