/**
 * Rare errors that come back. A WARN-or-worse template the service has logged only briefly
 * (fewer than `familiarBuckets` buckets in all) and that then stopped is the mark of one
 * earlier failure; when it is logged again after a silence, the failure is back, and that is
 * as much news as its first appearance (a fault that returns after its incident resolved). An
 * error the service logs every minute is its everyday noise and stays so. A return is watched
 * for a minute, like a novel template, and is a burst at the same record count.
 */
import {
  burstWarmupMs,
  burstWatchMs,
  severeBurstRecords,
  type TemplateBurst,
} from './template-burst';

/** A template is familiar once it was logged in this many buckets (a minute of them). */
export const familiarBuckets = 6;
/** Silence after which a rare template's next record is a return: twice the burst watch. */
export const returnSilenceMs = 2 * burstWatchMs;
/** Sightings older than this are dropped from the state (a day of history is kept). */
const memoryMs = 24 * 3_600_000;

interface Sighting {
  /** Newest bucket counted (epoch ms). */
  last: number;
  /** Buckets with records so far, counted up to `familiarBuckets`. */
  buckets: number;
}

interface Watched {
  seriesKey: string;
  service: string;
  firstBucket: number;
  records: number;
  burst?: boolean;
}

export interface ReturningErrorState {
  seen: Record<string, Sighting>;
  watched: Watched[];
  /** First bucket the tracker saw (epoch ms): it knows no history from before. */
  since?: number;
}

export interface SevereCount {
  /** The template's count series, `tmpl:<service>:<template id>`. */
  seriesKey: string;
  service: string;
  bucket: number;
  value: number;
}

/**
 * Counts the pass's WARN-or-worse template records (`counts`; a bucket read again for late
 * rows counts once, its late rows are not added), starts a watch where a rare template
 * returns after `returnSilenceMs`, and reports the watches that reached the burst size.
 * `latestBucket` is the newest bucket the pass read: watches that ended `graceMs` before it
 * are dropped.
 */
export function trackReturningErrors(
  state: ReturningErrorState | undefined,
  counts: readonly SevereCount[],
  latestBucket: number,
  graceMs = 0,
): { state: ReturningErrorState; bursts: TemplateBurst[] } {
  const since = state?.since ?? latestBucket;
  const seen = new Map(Object.entries(state?.seen ?? {}).map(([k, s]) => [k, { ...s }]));
  const watched = new Map((state?.watched ?? []).map((w) => [w.seriesKey, { ...w }]));
  const bursts: TemplateBurst[] = [];
  for (const c of [...counts].sort((a, b) => a.bucket - b.bucket)) {
    const sighting = seen.get(c.seriesKey);
    if (sighting && c.bucket <= sighting.last) continue;
    const returns =
      sighting !== undefined &&
      c.bucket - sighting.last >= returnSilenceMs &&
      sighting.buckets < familiarBuckets &&
      c.bucket >= since + burstWarmupMs;
    seen.set(c.seriesKey, {
      last: c.bucket,
      buckets: Math.min((sighting?.buckets ?? 0) + 1, familiarBuckets),
    });
    if (returns)
      watched.set(c.seriesKey, {
        seriesKey: c.seriesKey,
        service: c.service,
        firstBucket: c.bucket,
        records: 0,
      });
    const w = watched.get(c.seriesKey);
    if (!w || w.burst || c.bucket >= w.firstBucket + burstWatchMs) continue;
    w.records += c.value;
    if (w.records >= severeBurstRecords) {
      bursts.push({
        seriesKey: w.seriesKey,
        service: w.service,
        bucket: c.bucket,
        records: w.records,
      });
      w.burst = true;
    }
  }
  return {
    state: {
      seen: Object.fromEntries([...seen].filter(([, s]) => s.last >= latestBucket - memoryMs)),
      watched: [...watched.values()].filter(
        (w) => latestBucket < w.firstBucket + burstWatchMs + graceMs,
      ),
      since,
    },
    bursts,
  };
}
