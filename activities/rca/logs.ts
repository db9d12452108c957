import { byScore, type RcaMethod, type RootCauseCandidate } from './candidate';
import { leadInBuckets, type Evidence, type LogTemplateSeries } from './evidence';
import { serviceGraph } from './graph';
import { calleeOfLine, type CalleeOfLine } from './lines-about-calls';
import { skippedLinesByService, type SkippedLines } from './skipped-lines';

/** A template's change between windows, as a Poisson surprise (new and bursting > vanished). */
export interface TemplateChange {
  template: string;
  series: LogTemplateSeries;
  status: 'new' | 'bursting' | 'vanished' | 'steady';
  score: number;
  /** Set on the change `withSkippedLines` adds: the operation whose calls stopped writing. */
  skippedOperation?: string;
  /** Set by `withCallLinesDiscounted` on a caller's line about a call: the callee it is about. */
  aboutCallTo?: string;
}

/**
 * An error line that was not there is a fault's own voice; a new or vanished INFO line is as
 * often a different mix of requests (another route, another user action) as a changed code path.
 */
const severityWeight: Record<string, number> = { ERROR: 1, WARN: 0.7, INFO: 0.3, DEBUG: 0.15 };

/** Requests per bucket in the fault window over the baseline's, served by `services` (all if empty). */
export function trafficRatio(evidence: Evidence, services?: ReadonlySet<string>): number {
  const nb = evidence.baselineBuckets;
  const nf = evidence.bucketCount - nb;
  let base = 0;
  let fault = 0;
  for (const op of evidence.operations) {
    if (services && !services.has(op.service)) continue;
    op.red.calls.forEach((c, i) => (i < nb ? (base += c) : (fault += c)));
  }
  return base > 0 && fault > 0 ? fault / nf / (base / nb) : 1;
}

/**
 * Each template's change between windows at the service's own traffic: when a service serves
 * half the requests its lines halve too, which is no news. A service without spans is scaled
 * by the whole system's traffic.
 */
export function templateChanges(evidence: Evidence, service: string): TemplateChange[] {
  const nb = evidence.baselineBuckets;
  const nf = evidence.bucketCount - nb;
  const serves = evidence.operations.some((o) => o.service === service);
  const ratio = trafficRatio(evidence, serves ? new Set([service]) : undefined);
  const history = evidence.logHistory;
  const known = history?.counts[service] ?? {};
  // Fault-window minutes per history minute: a known line is expected at its usual rate.
  const historyScale = history ? (nf * evidence.bucketMs) / 60_000 / history.minutes : 0;
  const out: TemplateChange[] = [];
  for (const [template, series] of Object.entries(evidence.logs[service] ?? {})) {
    let base = 0;
    let fault = 0;
    series.counts.forEach((c, i) => (i < nb ? (base += c) : (fault += c)));
    const seenBefore = base === 0 ? (known[template] ?? 0) : 0;
    // A line the short baseline missed but the longer history has is rare, not new.
    const expected = Math.max(((base + 0.5) * nf * ratio) / nb, seenBefore * historyScale * ratio);
    // Lines without trace context are housekeeping, not request handling: weaker evidence.
    const requestScoped = series.traceIds.length > 0 || Object.keys(series.operations).length > 0;
    const weight = (severityWeight[series.severity] ?? 0.6) * (requestScoped ? 1 : 0.5);
    const held = heldRate(series) * nf;
    const fromBaseline = (fault - expected) / Math.sqrt(expected);
    // A rise is judged from the rate the line held through the minute before the window too:
    // a line another incident's fault was writing then is that fault's, not this one's.
    const surprise =
      fromBaseline > 0 && held > expected
        ? Math.min(fromBaseline, Math.max(0, (fault - held) / Math.sqrt(held)))
        : fromBaseline;
    const status =
      surprise < 3 && surprise > -3
        ? 'steady'
        : surprise < 0
          ? 'vanished'
          : base === 0 && seenBefore === 0 && held === 0
            ? 'new'
            : 'bursting';
    // A steady template is no evidence: scoring its noise would make a fault the logs do not
    // show (a leak's onset) look like a decisive log pick of whichever service is noisiest.
    // Disappearing lines matter (a changed code path) but are weaker evidence than new ones.
    const score = status === 'steady' ? 0 : weight * (surprise >= 0 ? surprise : -0.5 * surprise);
    out.push({ template, series, status, score });
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * Lines per bucket the template held through the lead-in (the minute before the fault window,
 * when the baseline left it out): the lesser of its two halves, so a line that began within the
 * minute (a fault showing before its first anomaly) holds no rate.
 */
function heldRate(series: LogTemplateSeries): number {
  if (!series.leadIn) return 0;
  return Math.min(...series.leadIn) / (leadInBuckets / 2);
}

/** Severities that say a request failed: a service's share of lines at these is its failure rate. */
const failing = new Set(['WARN', 'ERROR', 'FATAL']);

/** A failure share moved less than this (two-proportion z) holds. */
const shareHolds = 3;

/**
 * How far the share of a service's lines at WARN or worse moved, fault window against the
 * baseline, as a two-proportion z (0 when either window has no lines: then every line is new or
 * gone, which the templates say themselves).
 */
export function failureShareShift(evidence: Evidence, service: string): number {
  const nb = evidence.baselineBuckets;
  const lines = [0, 0];
  const failed = [0, 0];
  for (const series of Object.values(evidence.logs[service] ?? {})) {
    const bad = failing.has(series.severity);
    series.counts.forEach((c, i) => {
      const w = i < nb ? 0 : 1;
      lines[w] = (lines[w] ?? 0) + c;
      if (bad) failed[w] = (failed[w] ?? 0) + c;
    });
  }
  const [lb = 0, lf = 0] = lines;
  const [wb = 0, wf = 0] = failed;
  if (lb === 0 || lf === 0) return 0;
  const p = (wb + wf + 1) / (lb + lf + 2);
  return (wf / lf - wb / lb) / Math.sqrt(p * (1 - p) * (1 / lb + 1 / lf));
}

/**
 * A known INFO or DEBUG line logged more while the service fails no more often than before is
 * traffic (another request mix, a loop over a table that grew), not a failing code path: it is
 * no evidence. New lines, vanished lines and WARN-or-worse lines keep their say, and so does
 * every burst once the share of the service's lines at WARN or worse moves.
 */
export function withoutTraffic(
  changes: readonly TemplateChange[],
  shareShift: number,
): TemplateChange[] {
  if (Math.abs(shareShift) >= shareHolds) return [...changes];
  return changes
    .map((c) =>
      c.status === 'bursting' && !failing.has(c.series.severity)
        ? { ...c, status: 'steady' as const, score: 0 }
        : c,
    )
    .sort((a, b) => b.score - a.score);
}

/**
 * Calls that wrote a line of the service's own and, going on, write none are its own code path
 * breaking (a throw before the first line): as strong as a new error line, whatever the lines'
 * severity, and judged per call, not at the Poisson rate of the service's lines.
 */
export function withSkippedLines(
  changes: readonly TemplateChange[],
  skip: SkippedLines | undefined,
): TemplateChange[] {
  if (!skip) return [...changes];
  const skipped: TemplateChange = {
    template: `calls of ${skip.operation} that wrote a line and now write none`,
    series: { severity: 'ERROR', counts: [], operations: { [skip.operation]: 1 }, traceIds: [] },
    status: 'vanished',
    score: -skip.z,
    skippedOperation: skip.operation,
  };
  return [...changes, skipped].sort((a, b) => b.score - a.score);
}

/** A new or bursting line at WARN or worse: what a failing call or code path writes. */
function isNewFailingLine(c: TemplateChange): boolean {
  return (c.status === 'new' || c.status === 'bursting') && failing.has(c.series.severity);
}

/**
 * A failing code path fails more calls than this share of the calls through it: one in twenty,
 * beyond the 5% tail a p95 leaves out. A service's routine rare failures (an error line one call
 * in a few hundred writes, bursting or new by chance in a short window) stay under it.
 */
const brokenPathShare = 0.05;

/**
 * An ERROR line the service's own code wrote about its own work, as a fault's direct evidence:
 * new or bursting, not about a call it made (`withCallLinesDiscounted`), and written by at least
 * `brokenPathShare` of the fault window's calls of the operations that wrote it (`callShare`).
 */
export function isOwnFailingLine(change: TemplateChange, callShare: number): boolean {
  return (
    (change.status === 'new' || change.status === 'bursting') &&
    (change.series.severity === 'ERROR' || change.series.severity === 'FATAL') &&
    change.aboutCallTo === undefined &&
    callShare >= brokenPathShare
  );
}

/** The fault window's lines of `series` per call of the service's operations that wrote them. */
export function callShare(evidence: Evidence, service: string, series: LogTemplateSeries): number {
  const nb = evidence.baselineBuckets;
  const sum = (xs: readonly number[]) => xs.slice(nb).reduce((a, c) => a + c, 0);
  const calls = evidence.operations
    .filter((op) => op.service === service && op.operation in series.operations)
    .reduce((a, op) => a + sum(op.red.calls), 0);
  return calls > 0 ? sum(series.counts) / calls : 0;
}

/**
 * Trace id → the services that wrote a new or bursting WARN-or-worse line in that trace: what
 * `calleeOfLine` reads as a callee's failed answer where spans carry no status.
 */
export function loggedFailures(
  services: readonly string[],
  changes: readonly TemplateChange[][],
): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  services.forEach((service, i) => {
    for (const c of changes[i] ?? []) {
      if (!isNewFailingLine(c)) continue;
      for (const id of c.series.traceIds) {
        let set = out.get(id);
        if (!set) out.set(id, (set = new Set()));
        set.add(service);
      }
    }
  });
  return out;
}

/**
 * Another service whose log evidence reaches this share of a service's says the lines are as much
 * its own: a callee's, for the echo rule below; any other service's, for own-failure-vote.ts.
 */
export const asMuchItsOwnShare = 0.5;

/** Callers' error lines echo a failing callee; blame moves down when they share traces. */
const echoDiscount = 0.3;

/** What a caller's line about a call it made still says about the caller itself. */
const callerShare = 0.3;

/**
 * A caller's new or bursting WARN-or-worse line about a call it made (see `calleeOfLine`) is the
 * callee's evidence, not the caller's: it keeps `callerShare` of its score at the caller. It is
 * not credited to the callee: in the traces the failing call is often an intermediary's. The
 * echo discount below needs the callee's own lines; a callee too slow or too broken to log
 * leaves only its callers' lines, which would otherwise name a caller.
 */
export function withCallLinesDiscounted(
  services: readonly string[],
  changes: readonly TemplateChange[][],
  calleeOf: CalleeOfLine,
): TemplateChange[][] {
  const known = new Set(services);
  return services.map((service, i) =>
    (changes[i] ?? [])
      .map((c) => {
        const callee = isNewFailingLine(c)
          ? calleeOf(service, c.template, c.series.traceIds)
          : undefined;
        return callee !== undefined && callee !== service && known.has(callee)
          ? { ...c, score: c.score * callerShare, aboutCallTo: callee }
          : c;
      })
      .sort((a, b) => b.score - a.score),
  );
}

/**
 * Log evidence: per service, the strongest new/bursting/vanished template in the fault window.
 * A service whose anomalous lines co-occur (same trace ids) with a callee's anomalous lines is
 * discounted, so the deepest service that logs the problem ranks first.
 */
export const logEvidence: RcaMethod = {
  name: 'logs',
  rank(evidence: Evidence): RootCauseCandidate[] {
    const graph = serviceGraph(evidence);
    const skips = skippedLinesByService(evidence);
    const written = graph.services.map((s) =>
      withoutTraffic(templateChanges(evidence, s), failureShareShift(evidence, s)),
    );
    const changes = withCallLinesDiscounted(
      graph.services,
      written,
      calleeOfLine(evidence, loggedFailures(graph.services, written)),
    ).map((c, i) => withSkippedLines(c, skips.get(graph.services[i] ?? '')));
    const raw = changes.map(serviceLogScore);
    const traceSets = changes.map(
      (c) => new Set(c.filter((t) => t.status !== 'steady').flatMap((t) => t.series.traceIds)),
    );
    const ranked = byScore(
      graph.services.map((service, i) => {
        const own = raw[i] ?? 0;
        const echoes = (graph.callees[i] ?? []).some((c) => {
          if ((raw[c] ?? 0) < asMuchItsOwnShare * own) return false;
          const theirs = traceSets[c];
          return [...(traceSets[i] ?? [])].some((t) => theirs?.has(t));
        });
        const top = changes[i]?.[0];
        const anomalous = (changes[i] ?? []).filter((t) => t.status !== 'steady').slice(0, 3);
        return {
          service,
          operation: top ? topOperation(top.series) : undefined,
          kind: 'logs',
          score: echoes ? own * echoDiscount : own,
          evidence: {
            templates: anomalous.map((t) => `${t.status}: ${t.template}`),
            traceIds: top?.series.traceIds.slice(0, 5),
            ...(top?.skippedOperation !== undefined && { skippedLines: top.skippedOperation }),
            ...(top?.aboutCallTo !== undefined && { aboutCall: top.aboutCallTo }),
            ...(top &&
              isOwnFailingLine(top, callShare(evidence, service, top.series)) && {
                ownFailingLine: top.template,
              }),
          },
        };
      }),
    );
    // Services whose logs changed nothing are not suspects: ranking them would vote for noise.
    return ranked.filter((c) => c.score > 0);
  },
};

/**
 * A service's log surprise: its strongest template plus half the next one, so a changed code
 * path (a new line appears and the usual one fades) outweighs a single new line elsewhere.
 */
export function serviceLogScore(changes: readonly TemplateChange[]): number {
  return (changes[0]?.score ?? 0) + 0.5 * Math.max(0, changes[1]?.score ?? 0);
}

function topOperation(series: LogTemplateSeries): string | undefined {
  let best: string | undefined;
  let count = 0;
  for (const [op, n] of Object.entries(series.operations)) {
    if (n > count) [best, count] = [op, n];
  }
  return best;
}
