import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import {
  burstWatchMs,
  trackTemplateBursts,
  type NovelTemplate,
  type TemplateBurst,
  type TemplateBurstState,
} from '../detectors/anomaly/template-burst';
import {
  trackReturningErrors,
  type ReturningErrorState,
} from '../detectors/anomaly/returning-errors';
import { alertAnomalies, alertBacks, alertOpens } from '../detectors/alert-anomalies';
import {
  correlateAnomalies,
  slowOrFailingCall,
  isGauge,
  type OpenIncidentRef,
} from '../detectors/correlation';
import {
  currentSlowOrFailing,
  slowOrFailingAt,
  withCandidates,
  type SlowOrFailing,
} from '../detectors/slow-or-failing';
import { CalibratedSeriesScorer } from '../detectors/anomaly/calibrated-series';
import { DEFAULT_ANOMALY_THRESHOLD, SCORE_DECADES } from '../detectors/anomaly/calibration';
import { SeriesDetector, type StoredSeriesState } from '../detectors/anomaly/series-detector';
import {
  binomialTailLog10,
  exceedanceTailLog10,
  type PointContext,
  type RecentCeiling,
  latencyQuantile,
  type ScoredPoint,
  type SeriesScorerState,
  type SeriesSignal,
} from '../detectors/series-scorer';
import type { MetricsSource } from '../integrations/prometheus/source';
import { readAlertsToScore } from '../store/alerts';
import type { Pool } from '../store/db';
import {
  commitPass,
  findPass,
  lastWindowEnd,
  loadDetectorStates,
  readDetectionSeries,
  readServiceEdges,
  readSilentServices,
  requestsSlowerThan,
  slowestRequest,
  type SeriesPoint,
} from '../store/detection';
import { histogramRequests, type SparseHistogram } from '../store/telemetry-histogram';
import { openIncidents } from '../store/incidents';
import { readNewTemplates, readServiceTemplates } from '../store/log-templates';
import { severityOf } from '../store/investigation-telemetry';
import { newsworthyTemplates } from '../detectors/template-novelty';
import { rollupBucketSeconds } from '../store/telemetry-rollups';
import type { Anomaly, IncidentCandidate } from '../workflows/incident/types';
import { signalIncident } from './incident-signal';
import { readTemplatesAboutOtherServices, loggedKey } from './lines-about-others';
import { readTemplateWindow, warnSeverity } from './log-templates';

export interface DetectionSettings {
  /** A bucket is scored once this long has passed since its end, so late spans are in it. */
  graceSeconds: number;
  /** Longest stretch one pass scores (catch-up after downtime is bounded). */
  maxWindowSeconds: number;
  /** Score from which a point is an anomaly: tail probability below 10^(−10·threshold). */
  threshold: number;
  incidentTaskQueue: string;
  quietPeriodSeconds: number;
  /** An incident ranks root causes no earlier than this long after its first anomaly. */
  faultEvidenceSeconds: number;
  /** An alert firing again this soon after it resolved backs an open incident, never opens one. */
  alertFlapSeconds?: number;
}

export const defaultDetectionSettings: DetectionSettings = {
  graceSeconds: 3,
  maxWindowSeconds: 300,
  threshold: DEFAULT_ANOMALY_THRESHOLD,
  incidentTaskQueue: 'aiops-incident',
  quietPeriodSeconds: 180,
  faultEvidenceSeconds: 30,
};

/** One series' scorer for a pass, resumed from the state the previous pass stored. */
export interface PassScorer {
  readonly lastBucket: number | undefined;
  score(value: number, context?: PointContext): ScoredPoint;
  exportState(): unknown;
}

export type PassScorerFactory = (signal: SeriesSignal, stored: unknown) => PassScorer;

/** The directional scorer alone (the schedule's until round 9; the ensemble's evidence member). */
export const directionalScorer: PassScorerFactory = (signal, stored) => {
  const scorer = new CalibratedSeriesScorer(signal);
  if (stored !== undefined) scorer.importState(stored as SeriesScorerState);
  return scorer;
};

/** The ensemble bench:nab scores, told the series' kind (see SeriesDetector). */
export const ensembleScorer: PassScorerFactory = (signal, stored) => {
  const scorer = new SeriesDetector(signal);
  if (stored !== undefined) scorer.importState(stored as StoredSeriesState);
  return scorer;
};

/** What the detection schedule scores with: what bench:nab measures (docs/benchmarks.md). */
export const scheduleScorer: PassScorerFactory = ensembleScorer;

export interface DetectionDeps {
  pool: Pool;
  /** Needed only to open incidents; a worker without it cannot run that activity. */
  client?: Client;
  detection: DetectionSettings;
  /** Wall clock in ms; injectable so tests decide which buckets are complete. */
  clock?: () => number;
  /** Configured PromQL expressions, scored like the metrics in our store. */
  metrics?: MetricsSource | undefined;
  /** How each series is scored (default: the schedule's). */
  scorerFor?: PassScorerFactory;
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
/**
 * Each pass re-reads this far behind its window: some rows of a bucket arrive after it was
 * scored (ingest settles calls into uninstrumented or unreachable services after 15 s), and a
 * series' own watermark scores each of its buckets once, when its row is there.
 */
const lateRowsMs = 3 * bucketMs;
/** detector_state key of the watched novel log templates. */
const templateBurstKey = 'logs:novel-templates';
/** detector_state key of the WARN-or-worse templates' sightings (see returning-errors). */
const returningErrorsKey = 'logs:returning-errors';
/** Score of a template's burst (novel or returned): conclusive unless it names another service. */
const burstScore = 0.99;
const silenceScore = 0.95;
/**
 * detector_state key of anomalies that opened nothing yet. They count toward opening an
 * incident in the next passes (a series anomalous in two buckets in a row is a fault even
 * when each pass sees only one), for this long after their bucket.
 */
const heldKey = 'correlation:held';
const holdMs = 2 * bucketMs;
/**
 * detector_state key of the candidates recent passes reported. The incident workflow writes its
 * incident row a moment after being signalled, so a pass right after the one that opened it
 * would not see it in the table: for this long, those candidates count as open incidents.
 */
const reportedKey = 'correlation:reported';
const reportedOpenMs = 30_000;
/**
 * detector_state key of when evidence other than gauges (latency, errors, logs, traffic,
 * alerts) last backed each open incident; one without such evidence for `requestQuietMs` is
 * kept by gauges only (gaugesOnly, see OpenIncidentRef).
 */
const requestBackedKey = 'correlation:request-backed';
/**
 * detector_state key of the held anomalies that already backed an incident (its fingerprint and
 * the anomaly): held for the next passes' evidence, they are not reported to it again, so the
 * incident counts each once.
 */
const backedKey = 'correlation:backed';
const backingId = (fingerprint: string, a: Anomaly) => `${fingerprint}|${a.seriesKey}|${a.at}`;
const requestQuietMs = 3 * bucketMs;
/**
 * detector_state key of the services at which an open incident's evidence showed slow or
 * failing calls, with the newest such bucket (see OpenIncidentRef.slowOrFailing); what is older
 * than `requestQuietMs` explains nothing.
 */
const slowOrFailingKey = 'correlation:slow-or-failing';
/**
 * detector_state key of the held latency anomalies whose bucket is slow because of one request
 * (see restsOnOneRequest): held, they keep saying so.
 */
const oneRequestKey = 'correlation:one-request';
const anomalyId = (a: Anomaly) => `${a.seriesKey}|${a.at}`;
/**
 * detector_state key of the held latency anomalies whose bucket alone weighs as much as two
 * (see weighsAsTwoBuckets): held, they keep saying so.
 */
const manyRequestsKey = 'correlation:many-requests';
/** detector_state key of the held gauges that time requests (see timesRequests). */
const timedKey = 'correlation:timed';
/**
 * The ids a pass kept in detector_state under `key` for the passes after it: what it learnt
 * about a held anomaly (or its series) from a bucket later passes no longer read, or which held
 * anomalies already backed an incident.
 */
function storedMarks(stored: ReadonlyMap<string, unknown>, key: string): Set<string> {
  return new Set((stored.get(key) as string[] | undefined) ?? []);
}

/** The marks of anomalies still held (by id or series key), each once: what the state keeps. */
function marksStillHeld(marks: ReadonlySet<string>, held: readonly string[]): string[] {
  return [...new Set(held.filter((id) => marks.has(id)))];
}

/** UCUM units of time in which requests are timed. */
const requestTimeUnits = new Set(['ns', 'us', 'ms', 's']);

/**
 * A latency point anomalous because of a single request: no more than one of its requests is
 * nearer its value than the baseline. Fifty requests shifted together are fifty.
 */
export function restsOnOneRequest(
  histogram: SparseHistogram,
  value: number,
  baseline: number | undefined,
): boolean {
  return requestsSlowerThan(histogram, (value + (baseline ?? 0)) / 2) <= 1;
}
/**
 * A latency point whose bucket alone is as unlikely as two anomalous buckets in a row: so many
 * of its requests nearer its value than the baseline that the baseline's own requests, of which
 * the p95 leaves 5% above it, would give that many with a chance below the anomaly threshold's
 * squared. One slow request, or five of fifty, is never that; fifty shifted together are.
 */
export function weighsAsTwoBuckets(
  histogram: SparseHistogram,
  value: number,
  baseline: number | undefined,
  threshold: number,
): boolean {
  if (baseline === undefined) return false;
  const shifted = requestsSlowerThan(histogram, (value + baseline) / 2);
  const requests = histogramRequests(histogram);
  return (
    binomialTailLog10(shifted, requests, 1 - latencyQuantile) <= -2 * SCORE_DECADES * threshold
  );
}
/**
 * A latency point whose bucket alone is as unlikely as two anomalous buckets in a row by how many
 * of its requests are slower than every request the series served in its window: were the
 * bucket's n requests drawn like the window's N, its k beyond them all would be the k slowest of
 * n + N, with chance C(n, k) / C(n + N, k). A contention that slows every request a little, or a
 * delay whose p95 jumps far past its bulk, moves few requests past weighsAsTwoBuckets' midpoint
 * but puts a handful beyond anything the series served: 7 of 7 against 2,000 is that rare, 1 of
 * 1 is not. An episode the window already holds, anomalous or not, sets the ceiling it is
 * measured against, so a repeat is no longer beyond everything.
 */
export function beyondEveryRecentRequest(
  histogram: SparseHistogram,
  ceiling: RecentCeiling | undefined,
  threshold: number,
): boolean {
  if (ceiling === undefined) return false;
  const beyond = requestsSlowerThan(histogram, ceiling.slowest);
  const requests = histogramRequests(histogram);
  return exceedanceTailLog10(beyond, requests, ceiling.requests) <= -2 * SCORE_DECADES * threshold;
}
/** The share of a service's log lines at WARN or worse (see activities/log-templates). */
const isLineShare = (a: Anomaly) => a.seriesKey.startsWith('logerr:');
/** A template's burst: a novel one (`:new`) or an error burst back after a silence (`:returned`). */
const isTemplateBurst = (a: Anomaly) => /:(new|returned)$/.test(a.seriesKey);
/** A known template's count. */
const isTemplateCount = (a: Anomaly) => a.seriesKey.startsWith('tmpl:') && !isTemplateBurst(a);
/** Series read off a service's log lines: one reading of the same lines (see correlation). */
const fromLines = (a: Anomaly) => a.seriesKey.startsWith('tmpl:') || isLineShare(a);
/** A service that went silent (see readSilentServices). */
const wentSilent = (a: Anomaly) => a.seriesKey.startsWith('silent:');
/** detector_state key of the alert episodes already reported (see detectors/alert-anomalies). */
const alertsKey = 'alerts:reported';

interface ReportedCandidate extends OpenIncidentRef {
  reportedAt: number;
}

/** Open incidents, with the ones recently reported but maybe not yet written. */
function withReported(open: OpenIncidentRef[], reported: ReportedCandidate[]): OpenIncidentRef[] {
  const known = new Set(open.map((o) => o.fingerprint));
  return [
    ...open,
    ...reported
      .filter((r) => !known.has(r.fingerprint))
      .map((r) => ({ ...r, openedAt: r.reportedAt })),
  ];
}

/** Novel templates first logged in [from, to) that are news (see detectors/template-novelty). */
async function readNewsworthyTemplates(pool: Pool, from: Date, to: Date) {
  const novel = await readNewTemplates(pool, from, to, 0);
  const known = await readServiceTemplates(pool, [...new Set(novel.map((t) => t.service))]);
  const at = (t: { firstSeen: Date }) => ({ firstSeen: t.firstSeen.getTime() });
  return newsworthyTemplates(
    novel.map((t) => ({ ...t, ...at(t), novel: t })),
    known.map((t) => ({ ...t, ...at(t) })),
  ).map((t) => t.novel);
}

/**
 * The templates' bursts (series `tmpl:<service>:<template id>:new` or `:returned`) whose lines name
 * another service or quote a route it serves: a caller's view of its calls into that service
 * (see activities/lines-about-others).
 */
async function burstsAboutOtherServices(pool: Pool, anomalies: Anomaly[]): Promise<Set<string>> {
  const bursts = anomalies.filter(isTemplateBurst);
  if (!bursts.length) return new Set();
  const logged = (a: Anomaly) => ({
    service: a.service,
    templateId: a.seriesKey.split(':').at(-2)!,
  });
  const since = new Date(Math.min(...bursts.map((a) => Date.parse(a.at))) - burstWatchMs);
  const about = await readTemplatesAboutOtherServices(pool, bursts.map(logged), since);
  return new Set(bursts.filter((a) => about.has(loggedKey(logged(a)))).map((a) => a.seriesKey));
}

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
  metrics,
  scorerFor = scheduleScorer,
}: DetectionDeps) {
  return {
    /**
     * Scores every series over the buckets completed since the last pass (and rows that
     * arrived late for earlier ones), with each series' detector resumed from PostgreSQL, adds
     * novel log templates that recur, error bursts that come back and services that went
     * silent, and correlates the anomalies into incident candidates.
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

      const from = new Date(windowStart + bucketMs);
      const to = new Date(windowEnd + bucketMs);
      // Log rows can be late too (a busy ingest commits after the grace period).
      const logsFrom = new Date(from.getTime() - lateRowsMs);
      const [logs, novel] = await Promise.all([
        readTemplateWindow(pool, logsFrom, to),
        readNewsworthyTemplates(pool, logsFrom, to),
      ]);
      const [rows, silent] = await Promise.all([
        readDetectionSeries(
          pool,
          new Date(windowStart - lateRowsMs),
          new Date(windowEnd),
          new Date(windowEnd + bucketMs),
        ),
        readSilentServices(pool, new Date(windowEnd), bucketMs),
      ]);
      // Prometheus down must not stop detection of the rest: its series wait for the next pass.
      const promPoints = metrics
        ? await metrics
            .detectionPoints(new Date(windowStart - lateRowsMs), new Date(windowEnd + bucketMs))
            .catch((err: unknown) => {
              Context.current().log.warn(`PromQL expressions not scored: ${String(err)}`);
              return [];
            })
        : [];
      const series = groupBySeries([...rows, ...logs.points, ...logs.errorShares, ...promPoints]);
      // The services whose requests this pass's rows time as spans (its window and the late rows
      // re-read before it, the stretch a pod's gauges scraped now describe), counted request by
      // request. A service whose spans stopped coming is seen through its gauges again.
      const requestsInSpans = new Set(
        rows.filter((p) => p.signal === 'latency' && p.histogram).map((p) => p.service),
      );
      const stored = await loadDetectorStates(pool, [
        ...series.keys(),
        templateBurstKey,
        returningErrorsKey,
        heldKey,
        reportedKey,
        requestBackedKey,
        backedKey,
        alertsKey,
        oneRequestKey,
        manyRequestsKey,
        timedKey,
        slowOrFailingKey,
      ]);
      const states = new Map<string, unknown>();
      const anomalies: Anomaly[] = [];
      const oneRequest = storedMarks(stored, oneRequestKey);
      const manyRequests = storedMarks(stored, manyRequestsKey);
      const timed = storedMarks(stored, timedKey);
      for (const [key, points] of series) {
        const state = stored.get(key);
        const scorer = scorerFor(points[0]!.signal, state);
        const unit = points[0]!.unit;
        if (unit !== undefined && requestTimeUnits.has(unit)) timed.add(key);
        // A new series takes its late rows too; one stored before watermarks, only new buckets.
        const after = scorer.lastBucket ?? (state ? windowStart : windowStart - lateRowsMs);
        for (const p of points) {
          if (p.bucket <= after) continue;
          const { histogram } = p;
          const scored = scorer.score(p.value, {
            support: p.support,
            bucket: p.bucket,
            slowerThan: histogram && ((ms) => requestsSlowerThan(histogram, ms)),
            slowest: histogram && slowestRequest(histogram),
          });
          result.pointsScored++;
          if (scored.score >= detection.threshold) {
            const anomaly: Anomaly = {
              seriesKey: key,
              service: p.service,
              operation: p.operation,
              signal: p.signal === 'metric' ? 'saturation' : p.signal,
              score: scored.score,
              value: p.value,
              baseline: scored.baseline,
              at: new Date(p.bucket).toISOString(),
            };
            anomalies.push(anomaly);
            if (histogram && restsOnOneRequest(histogram, p.value, scored.baseline))
              oneRequest.add(anomalyId(anomaly));
            if (
              histogram &&
              (weighsAsTwoBuckets(histogram, p.value, scored.baseline, detection.threshold) ||
                beyondEveryRecentRequest(histogram, scored.ceiling, detection.threshold))
            )
              manyRequests.add(anomalyId(anomaly));
          }
        }
        states.set(key, scorer.exportState());
      }
      const severe = new Set(logs.newTemplates.map((a) => a.seriesKey.replace(/:new$/, '')));
      const watch = trackTemplateBursts(
        stored.get(templateBurstKey) as TemplateBurstState | undefined,
        novel.map((t): NovelTemplate => ({
          seriesKey: `tmpl:${t.service}:${t.templateId}`,
          service: t.service,
          firstBucket: Math.floor(t.firstSeen.getTime() / bucketMs) * bucketMs,
          severe:
            severe.has(`tmpl:${t.service}:${t.templateId}`) ||
            severityOf(0, t.template) >= warnSeverity,
        })),
        logs.points,
        windowEnd,
        lateRowsMs,
      );
      states.set(templateBurstKey, watch.state);
      const returning = trackReturningErrors(
        stored.get(returningErrorsKey) as ReturningErrorState | undefined,
        logs.points.filter((p) => !logs.everyday.has(p.seriesKey)),
        windowEnd,
      );
      states.set(returningErrorsKey, returning.state);
      const burstAs =
        (suffix: string) =>
        (b: TemplateBurst): Anomaly => ({
          seriesKey: `${b.seriesKey}:${suffix}`,
          service: b.service,
          signal: 'logs',
          score: burstScore,
          value: b.records,
          baseline: 0,
          at: new Date(b.bucket).toISOString(),
        });
      // A caller's line about another service (a discovery miss, a failed call), new or back
      // again, is that service's or the registry's trouble as the caller saw it, which the calls'
      // own spans read at that service: only a service's own lines are news about it.
      const bursts = [
        ...watch.bursts.map(burstAs('new')),
        ...returning.bursts.map(burstAs('returned')),
      ];
      const aboutOthers = await burstsAboutOtherServices(pool, bursts);
      anomalies.push(...bursts.filter((a) => !aboutOthers.has(a.seriesKey)));
      for (const service of silent) {
        anomalies.push({
          seriesKey: `silent:${service}`,
          service,
          signal: 'traffic',
          score: silenceScore,
          value: 0,
          at: new Date(windowEnd + bucketMs).toISOString(),
        });
      }
      const alerts = alertAnomalies(
        await readAlertsToScore(pool, new Date(windowStart - lateRowsMs)),
        (stored.get(alertsKey) as string[] | undefined) ?? [],
        {
          bucketMs,
          currentBucket: windowEnd,
          flapMs: (detection.alertFlapSeconds ?? 900) * 1000,
        },
      );
      states.set(alertsKey, alerts.reported);
      anomalies.push(...alerts.anomalies);
      result.seriesScored = series.size;
      result.anomalies = anomalies.length;
      const held = ((stored.get(heldKey) as Anomaly[] | undefined) ?? []).filter(
        (a) => Date.parse(a.at) >= windowEnd - holdMs,
      );
      const recentlyReported = (
        (stored.get(reportedKey) as ReportedCandidate[] | undefined) ?? []
      ).filter((r) => r.reportedAt >= windowEnd - reportedOpenMs);
      // A template logged more while the share of the service's lines at WARN holds is more
      // traffic through the same code, not more failure (the share is what says it fails).
      const shareMoved = new Set(
        [...held, ...anomalies].filter(isLineShare).map((a) => `${a.service}|${a.at}`),
      );
      const moreTraffic = (a: Anomaly) =>
        isTemplateCount(a) && !shareMoved.has(`${a.service}|${a.at}`);
      // Less load or I/O than usual is what a failing caller does to its callees.
      const supporting = (a: Anomaly) =>
        (isGauge(a) && a.baseline !== undefined && a.value < a.baseline) ||
        logs.everyday.has(a.seriesKey) ||
        moreTraffic(a) ||
        alertBacks(a);
      let correlated: IncidentCandidate[] = [];
      if (anomalies.length) {
        const edges = await readServiceEdges(
          pool,
          new Date(windowEnd - 10 * 60_000),
          new Date(windowEnd),
        );
        const requestBacked = new Map(
          (stored.get(requestBackedKey) as [string, number][] | undefined) ?? [],
        );
        const open = withReported(await openIncidents(pool), recentlyReported);
        const stillOpen = new Set(open.map((o) => o.fingerprint));
        const symptoms = currentSlowOrFailing(
          (stored.get(slowOrFailingKey) as SlowOrFailing[] | undefined) ?? [],
          stillOpen,
          windowEnd - requestQuietMs,
        );
        correlated = correlateAnomalies(
          [...held, ...anomalies],
          edges,
          open.map((o) => ({
            ...o,
            gaugesOnly:
              (requestBacked.get(o.fingerprint) ?? -Infinity) < windowEnd - requestQuietMs,
            slowOrFailing: slowOrFailingAt(symptoms, o.fingerprint),
          })),
          result.windowEnd,
          {
            conclusive: (a) => isTemplateBurst(a) || alertOpens(a),
            outage: wentSilent,
            supporting,
            oneRequest: (a) => oneRequest.has(anomalyId(a)),
            manyRequests: (a) => manyRequests.has(anomalyId(a)),
            timesRequests: (a) => timed.has(a.seriesKey),
            requestsInSpans: (service) => requestsInSpans.has(service),
            fromLines,
          },
        );
        states.set(
          slowOrFailingKey,
          withCandidates(
            symptoms,
            correlated,
            (a) => slowOrFailingCall(a, { fromLines, outage: wentSilent }) && !supporting(a),
          ),
        );
        states.set(requestBackedKey, [
          ...[...requestBacked].filter(([f]) => stillOpen.has(f)),
          ...correlated
            .filter((c) => c.anomalies.some((a) => !isGauge(a) && !supporting(a)))
            .map((c): [string, number] => [c.fingerprint, windowEnd]),
        ]);
      }
      // A gauge that only backed an incident is held too: off again in the next bucket, it is
      // enough to keep the incident open (a fault seen through one gauge alone).
      const reported = new Set(correlated.filter((c) => !c.backsOnly).flatMap((c) => c.anomalies));
      const stillHeld = [...held, ...anomalies].filter((a) => !reported.has(a));
      states.set(heldKey, stillHeld);
      const stillHeldIds = stillHeld.map(anomalyId);
      states.set(oneRequestKey, marksStillHeld(oneRequest, stillHeldIds));
      states.set(manyRequestsKey, marksStillHeld(manyRequests, stillHeldIds));
      const stillHeldSeries = stillHeld.map((a) => a.seriesKey);
      states.set(timedKey, marksStillHeld(timed, stillHeldSeries));
      const backed = storedMarks(stored, backedKey);
      states.set(
        backedKey,
        correlated
          .filter((c) => c.backsOnly)
          .flatMap((c) => c.anomalies.map((a) => backingId(c.fingerprint, a))),
      );
      result.candidates = correlated.flatMap((c) => {
        const fresh = c.anomalies.filter((a) => !backed.has(backingId(c.fingerprint, a)));
        return fresh.length ? [{ ...c, anomalies: fresh }] : [];
      });
      // A candidate that only backs an incident opens none.
      const opening = result.candidates.filter((c) => !c.backsOnly);
      states.set(reportedKey, [
        ...recentlyReported.filter((r) => !opening.some((c) => c.fingerprint === r.fingerprint)),
        ...opening.map((c): ReportedCandidate => ({
          fingerprint: c.fingerprint,
          service: c.service,
          services: c.services,
          reportedAt: windowEnd,
        })),
      ]);
      await commitPass(pool, passId, new Date(windowEnd), result, states);
      return result;
    },

    /** Opens or attaches one incident per candidate (signal-with-start: retries attach again
     * with the same candidate key, which the incident ignores). */
    async openOrAttachIncidents(candidates: IncidentCandidate[]): Promise<string[]> {
      if (!client) throw new Error('openOrAttachIncidents needs a Temporal client in its deps');
      const ids: string[] = [];
      // Most candidates attach to an incident already open: one query spares each a Temporal read.
      const openFingerprints = new Set((await openIncidents(pool)).map((o) => o.fingerprint));
      for (const candidate of candidates) {
        ids.push(
          await signalIncident(client, candidate, {
            taskQueue: detection.incidentTaskQueue,
            quietPeriodSeconds: detection.quietPeriodSeconds,
            faultEvidenceSeconds: detection.faultEvidenceSeconds,
            openFingerprints,
          }),
        );
      }
      return ids;
    },
  };
}
