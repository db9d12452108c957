import type { Anomaly } from '../workflows/incident/types';
import { isGauge } from './correlation';

/** A series not scraped again for this long has stopped reporting: its reading waits no longer. */
export const awaitNextScrapeMs = 5 * 60_000;

export interface NextScrape {
  /** Earlier scrapes' readings whose series is off again now: a second look at the same pod. */
  looks: Anomaly[];
  /** Gauge readings still waiting for their series' next scrape. */
  awaiting: Anomaly[];
}

/**
 * One scrape is one look; the same gauge off again at the pod's next scrape is a second look in
 * time, as a second bucket is for spans. A pass holds a reading for two buckets only, so a pod
 * scraped once a minute is never seen off twice: its reading waits here for the series' next
 * scrape, stands beside it when that one is off too, and is dropped when it is not.
 *
 * Only at a service whose requests the pass does not see as spans: where spans time its requests
 * bucket by bucket, persistence is read from them, and a pod's gauges that stay off a minute
 * later are mostly its callers' faults reaching it. Where no span shows its requests, the pod's
 * own readings are the only witness of a fault there.
 */
export function nextScrape(
  /** Readings that were waiting before this pass (see awaiting). */
  waiting: Anomaly[],
  /** This pass's anomalies. */
  scored: Anomaly[],
  /** Each series' newest bucket scored in this pass (epoch ms). */
  lastScored: ReadonlyMap<string, number>,
  /** Services whose requests this pass saw as spans. */
  seenInSpans: (service: string) => boolean,
  /** The pass's window end (epoch ms). */
  windowEnd: number,
): NextScrape {
  const current = waiting.filter((a) => Date.parse(a.at) >= windowEnd - awaitNextScrapeMs);
  const offNow = scored.filter(isGauge);
  const offAgain = (a: Anomaly) =>
    offNow.some((b) => b.seriesKey === a.seriesKey && Date.parse(b.at) > Date.parse(a.at));
  const scrapedSince = (a: Anomaly) =>
    (lastScored.get(a.seriesKey) ?? -Infinity) > Date.parse(a.at);
  return {
    looks: current.filter((a) => offAgain(a) && !seenInSpans(a.service)),
    awaiting: [...current.filter((a) => !scrapedSince(a)), ...offNow],
  };
}
