/**
 * Error bursts that come back. A WARN-or-worse template that once came as a burst (the burst
 * size of a novel template within a minute), then stopped, marks one earlier failure; when it
 * bursts again after a silence, the failure is back, and that is as much news as its first
 * appearance (a fault that returns after its incident resolved). Two kinds stay quiet: an error
 * the service logs in many buckets is its everyday noise, and an error that so far came only
 * now and then, a line at a time, is the service's usual rate of failed requests.
 */
import {
  burstWarmupMs,
  burstWatchMs,
  severeBurstRecords,
  type TemplateBurst,
} from './template-burst';

/** A template is familiar once it was logged in this many buckets (a minute of them). */
export const familiarBuckets = 6;
/** Silence after which a template's next record begins a new episode: twice the burst watch. */
export const returnSilenceMs = 2 * burstWatchMs;
/** Sightings older than this are dropped from the state (a day of history is kept). */
const memoryMs = 24 * 3_600_000;

interface Sighting {
  service: string;
  /** Newest bucket counted (epoch ms). */
  last: number;
  /** Buckets with records so far, counted up to `familiarBuckets`. */
  buckets: number;
  /** First bucket of the current episode, and its records within the burst watch. */
  episode: number;
  records: number;
  /** An episode so far (the current one included) reached the burst size. */
  burstBefore: boolean;
  /** The current episode returns after an earlier burst, so its own burst is reported. */
  returning: boolean;
}

export interface ReturningErrorState {
  seen: Record<string, Sighting>;
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
 * rows counts once, its late rows are not added) into episodes, and reports each returning
 * episode that reaches the burst size within its first minute. `latestBucket` is the newest
 * bucket the pass read.
 */
export function trackReturningErrors(
  state: ReturningErrorState | undefined,
  counts: readonly SevereCount[],
  latestBucket: number,
): { state: ReturningErrorState; bursts: TemplateBurst[] } {
  const since = state?.since ?? latestBucket;
  const seen = new Map(Object.entries(state?.seen ?? {}).map(([k, s]) => [k, { ...s }]));
  const bursts: TemplateBurst[] = [];
  for (const c of [...counts].sort((a, b) => a.bucket - b.bucket)) {
    const known = seen.get(c.seriesKey);
    if (known && c.bucket <= known.last) continue;
    const s: Sighting =
      known && c.bucket - known.last < returnSilenceMs
        ? known
        : {
            service: c.service,
            last: c.bucket,
            buckets: known?.buckets ?? 0,
            episode: c.bucket,
            records: 0,
            burstBefore: known?.burstBefore ?? false,
            returning:
              known !== undefined &&
              known.burstBefore &&
              known.buckets < familiarBuckets &&
              c.bucket >= since + burstWarmupMs,
          };
    s.last = c.bucket;
    s.buckets = Math.min(s.buckets + 1, familiarBuckets);
    seen.set(c.seriesKey, s);
    if (c.bucket >= s.episode + burstWatchMs || s.records >= severeBurstRecords) continue;
    s.records += c.value;
    if (s.records < severeBurstRecords) continue;
    if (s.returning)
      bursts.push({
        seriesKey: c.seriesKey,
        service: s.service,
        bucket: c.bucket,
        records: s.records,
      });
    s.burstBefore = true;
  }
  return {
    state: {
      seen: Object.fromEntries([...seen].filter(([, s]) => s.last >= latestBucket - memoryMs)),
      since,
    },
    bursts,
  };
}
