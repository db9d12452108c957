/**
 * New log templates as anomalies. A template the system never logged before is news only when
 * it recurs: a single novel line is usually one unlucky request (a rare error path, a
 * housekeeping warning), while a fault that starts logging something new does so again and
 * again. Each novel template is watched for a minute after its first record; it is a burst
 * once it reached the record count for its severity within that minute.
 */
export interface NovelTemplate {
  /** The template's count series, `tmpl:<service>:<template id>`. */
  seriesKey: string;
  service: string;
  /** Bucket (epoch ms) of its first record. */
  firstBucket: number;
  /** WARN or worse: needs fewer records to count. */
  severe: boolean;
}

interface Watched extends NovelTemplate {
  records: number;
  /** Newest bucket counted: a bucket read again (late rows) is not counted twice. */
  counted?: number;
  /** Reported already; kept until its watch ends so that reading it again adds nothing. */
  burst?: boolean;
}

export interface TemplateBurstState {
  watched: Watched[];
  /** First bucket the tracker saw (epoch ms). */
  since?: number;
}

export interface TemplateBurst {
  seriesKey: string;
  service: string;
  /** Bucket at which the record count was reached. */
  bucket: number;
  records: number;
}

/**
 * Novel templates are ignored this long after tracking began: the first minutes after a start
 * still bring the rarer everyday lines for the first time.
 */
export const burstWarmupMs = 10 * 60_000;
/** How long after its first record a novel template is watched. */
export const burstWatchMs = 60_000;
/** Records within the watch that make a novel warning/error template a burst. */
export const severeBurstRecords = 3;
/** Records within the watch that make any other novel template a burst. */
export const otherBurstRecords = 4;

/**
 * Adds the pass's novel templates to the watch, counts the records of every watched template
 * (`counts`: records per template series and bucket; buckets read again by a later pass are
 * counted once) and reports the templates that reached their burst size. `latestBucket` is the
 * newest bucket the pass read: watches that ended `graceMs` before it are dropped (the pass
 * reads that far back for rows that arrived late).
 */
export function trackTemplateBursts(
  state: TemplateBurstState | undefined,
  novel: readonly NovelTemplate[],
  counts: readonly { seriesKey: string; bucket: number; value: number }[],
  latestBucket: number,
  graceMs = 0,
): { state: TemplateBurstState; bursts: TemplateBurst[] } {
  const since = state?.since ?? latestBucket;
  const watched = new Map<string, Watched>();
  for (const w of state?.watched ?? []) watched.set(w.seriesKey, { ...w });
  for (const n of novel) {
    if (n.firstBucket < since + burstWarmupMs) continue;
    const known = watched.get(n.seriesKey);
    if (known) known.severe ||= n.severe;
    else watched.set(n.seriesKey, { ...n, records: 0 });
  }
  const sorted = [...counts].sort((a, b) => a.bucket - b.bucket);
  const bursts: TemplateBurst[] = [];
  for (const c of sorted) {
    const w = watched.get(c.seriesKey);
    if (!w || w.burst || c.bucket < w.firstBucket || c.bucket >= w.firstBucket + burstWatchMs)
      continue;
    if (w.counted !== undefined && c.bucket <= w.counted) continue;
    w.counted = c.bucket;
    w.records += c.value;
    if (w.records >= (w.severe ? severeBurstRecords : otherBurstRecords)) {
      bursts.push({
        seriesKey: w.seriesKey,
        service: w.service,
        bucket: c.bucket,
        records: w.records,
      });
      w.burst = true;
    }
  }
  const keep = [...watched.values()].filter(
    (w) => latestBucket < w.firstBucket + burstWatchMs + graceMs,
  );
  return { state: { watched: keep, since }, bursts };
}
