import type { LogRecord, Span } from '../../simulator/telemetry';
import { lineGroupKey } from './evidence';
import { median } from './stats';

/**
 * Where a fault began, read from the window's own rows. An investigation is given a lead before
 * the incident's first anomaly because a cause may show in its services before any detector
 * fires (a code-level fault can run a minute before its first anomaly). But a lead is often
 * ordinary traffic with its own unrelated events, and ranked as fault such an event reads as the
 * fault (issue #20: a minute of a recording's pre-injection traffic named the wrong service first
 * on faults whose first anomaly came seconds after the injection). So the onset is read back
 * from the first anomaly, bucket by bucket, through where the incident's services already left
 * their baseline (calls, errors, latency, warning/error lines, lines the baseline never had).
 */

export interface OnsetWindow {
  baselineStart: number;
  /** Where the lead begins: the onset is never before it. */
  leadStart: number;
  firstAnomaly: number;
  /** Periods that are not baseline (other incidents). */
  excluded?: readonly { from: number; to: number }[];
}

export interface OnsetRule {
  bucketMs: number;
  /** How far (robust z) a reading must be from its baseline's median to have left it. */
  spread: number;
  /** Fewer baseline buckets than this (with traffic of the service) says nothing. */
  minBaselineBuckets: number;
  /** Quiet buckets the read-back steps over (a service called once or twice a bucket skips some). */
  gapBuckets: number;
}

export const defaultOnsetRule: OnsetRule = {
  bucketMs: 10_000,
  spread: 4,
  minBaselineBuckets: 6,
  gapBuckets: 1,
};

interface Readings {
  calls: number;
  errors: number;
  durationMs: number;
  warnLines: number;
  /** The line groups written (`lineGroupKey`). */
  lines: Set<string>;
}

const empty = (): Readings => ({
  calls: 0,
  errors: 0,
  durationMs: 0,
  warnLines: 0,
  lines: new Set(),
});
const warnSeverity = 13;

/** Robust z of `value` against `base`, with `floor` as the least spread (counts of a few). */
function robustZ(value: number, base: readonly number[], floor: number): number {
  const center = median(base);
  const mad = median(base.map((v) => Math.abs(v - center)));
  return (value - center) / Math.max(1.4826 * mad, floor);
}

/** A service's baseline buckets, read once for every lead bucket held against them. */
interface BaselineReadings {
  calls: number[];
  errors: number[];
  warnLines: number[];
  /** Mean span duration (log ms) of the buckets with calls. */
  latency: number[];
  lines: Set<string>;
}

function baselineReadings(buckets: readonly Readings[]): BaselineReadings {
  return {
    calls: buckets.map((r) => r.calls),
    errors: buckets.map((r) => r.errors),
    warnLines: buckets.map((r) => r.warnLines),
    latency: buckets.filter((r) => r.calls > 0).map((r) => Math.log(r.durationMs / r.calls)),
    lines: new Set(buckets.flatMap((r) => [...r.lines])),
  };
}

/** Which of a service's readings in one lead bucket left the baseline's, by name. */
function leftBaseline(
  lead: Readings,
  baseline: BaselineReadings,
  rule: Pick<OnsetRule, 'spread'>,
): string[] {
  const out: string[] = [];
  const beyond = (z: number) => Math.abs(z) > rule.spread;
  if (beyond(robustZ(lead.calls, baseline.calls, 1))) out.push('calls');
  if (beyond(robustZ(lead.errors, baseline.errors, 1))) out.push('errors');
  if (beyond(robustZ(lead.warnLines, baseline.warnLines, 1))) out.push('warn lines');
  // On a log scale: a bucket twice as slow as the baseline's usual is far off whatever its level.
  if (lead.calls > 0 && baseline.latency.length > 0) {
    const z = robustZ(
      Math.log(lead.durationMs / lead.calls),
      baseline.latency,
      Math.log(2) / rule.spread,
    );
    if (beyond(z)) out.push('latency');
  }
  if ([...lead.lines].some((l) => !baseline.lines.has(l))) out.push('new lines');
  return out;
}

/** A reading of a service that left its baseline in a lead bucket. */
export interface Deviation {
  service: string;
  reading: string;
}

/** What left the baseline in each lead bucket, nearest the first anomaly first (bucket 0). */
export function leadDeviations(
  rows: { spans: readonly Span[]; logs: readonly LogRecord[] },
  window: OnsetWindow,
  services: ReadonlySet<string> | undefined,
  rule: OnsetRule = defaultOnsetRule,
): { from: number; deviations: Deviation[] }[] {
  const { bucketMs } = rule;
  const leadBuckets = Math.max(0, Math.ceil((window.firstAnomaly - window.leadStart) / bucketMs));
  // Buckets counted back from the first anomaly: k covers [first − (k+1)·bucket, first − k·bucket).
  const bucketOf = (ms: number) => Math.ceil((window.firstAnomaly - ms) / bucketMs) - 1;
  const baselineOf = (ms: number) =>
    ms >= window.baselineStart &&
    ms < window.leadStart &&
    !(window.excluded ?? []).some((p) => ms >= p.from && ms < p.to);
  const byService = new Map<string, Map<number, Readings>>();
  const readingsAt = (service: string, ms: number): Readings | undefined => {
    if (ms >= window.firstAnomaly || ms < window.baselineStart) return undefined;
    if (ms < window.leadStart && !baselineOf(ms)) return undefined;
    if (services && !services.has(service)) return undefined;
    let buckets = byService.get(service);
    if (!buckets) byService.set(service, (buckets = new Map()));
    const k = bucketOf(ms);
    let r = buckets.get(k);
    if (!r) buckets.set(k, (r = empty()));
    return r;
  };
  for (const span of rows.spans) {
    const ms = Number(span.startTimeUnixNano / 1_000_000n);
    const r = readingsAt(span.service, ms);
    if (!r) continue;
    r.calls++;
    if (span.status === 'ERROR') r.errors++;
    r.durationMs += Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6;
  }
  for (const log of rows.logs) {
    const r = readingsAt(log.service, Number(log.timeUnixNano / 1_000_000n));
    if (!r) continue;
    if (log.severityNumber >= warnSeverity) r.warnLines++;
    r.lines.add(lineGroupKey(log.body));
  }
  const firstBaseline = bucketOf(window.leadStart - 1);
  const lastBaseline = bucketOf(window.baselineStart);
  const out = Array.from({ length: leadBuckets }, (_, k) => ({
    from: Math.max(window.leadStart, window.firstAnomaly - (k + 1) * bucketMs),
    deviations: [] as Deviation[],
  }));
  for (const [service, buckets] of byService) {
    const baseline: Readings[] = [];
    for (let k = firstBaseline; k <= lastBaseline; k++) {
      const from = window.firstAnomaly - (k + 1) * bucketMs;
      if (baselineOf(Math.max(from, window.baselineStart)))
        baseline.push(buckets.get(k) ?? empty());
    }
    if (baseline.filter((r) => r.calls > 0 || r.lines.size > 0).length < rule.minBaselineBuckets)
      continue;
    const readings = baselineReadings(baseline);
    for (let k = 0; k < leadBuckets; k++) {
      for (const reading of leftBaseline(buckets.get(k) ?? empty(), readings, rule))
        out[k]!.deviations.push({ service, reading });
    }
  }
  return out;
}

/**
 * The fault's estimated onset (epoch ms). Read back from the first anomaly through the lead
 * buckets where a service of the first anomaly already left its baseline (stepping over at most
 * `gapBuckets` quiet ones): the fault showed there first. Before that run, a lead where some
 * other of the incident's services left its baseline holds an event the fault does not explain,
 * and the onset is the run's start (the first anomaly when the bucket before it is quiet); a lead
 * where nothing left its baseline is kept whole, as the fault may have begun anywhere in it
 * below what detection reads.
 */
export function faultOnset(
  rows: { spans: readonly Span[]; logs: readonly LogRecord[] },
  window: OnsetWindow,
  services: { incident?: ReadonlySet<string>; firstAnomaly: ReadonlySet<string> },
  rule: OnsetRule = defaultOnsetRule,
): number {
  const buckets = leadDeviations(rows, window, services.incident, rule);
  const ofFirst = (d: Deviation) => services.firstAnomaly.has(d.service);
  let run = 0;
  let quiet = 0;
  for (let k = 0; k < buckets.length; k++) {
    if (!buckets[k]!.deviations.some(ofFirst)) {
      if (++quiet > rule.gapBuckets) break;
      continue;
    }
    quiet = 0;
    run = k + 1;
  }
  const before = buckets.slice(run);
  if (before.every((b) => b.deviations.length === 0)) return window.leadStart;
  return run === 0 ? window.firstAnomaly : buckets[run - 1]!.from;
}

/**
 * The window's bounds with the ranked fault period starting at `onset` (within the lead); the
 * lead before it is neither fault nor baseline, so it joins the periods left out of the baseline.
 */
export function fromOnset<P extends { from: number; to: number }>(
  bounds: { baselineStart: number; faultStart: number; others: P[] },
  onset: number,
): { baselineStart: number; faultStart: number; others: (P | { from: number; to: number })[] } {
  if (onset <= bounds.faultStart) return bounds;
  return {
    baselineStart: bounds.baselineStart,
    faultStart: onset,
    others: [...bounds.others, { from: bounds.faultStart, to: onset }],
  };
}

/** The services whose anomalies came first (at `firstAnomalyAt`): where the fault showed first. */
export function firstAnomalyServices(
  anomalies: readonly { service: string; at: string }[],
  firstAnomalyAt: number,
): string[] {
  return [
    ...new Set(anomalies.filter((a) => Date.parse(a.at) === firstAnomalyAt).map((a) => a.service)),
  ];
}
