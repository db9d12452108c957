import type { Anomaly, IncidentCandidate } from '../workflows/incident/types';

/**
 * Where an open incident's evidence showed slow or failing calls: its fingerprint, the service
 * and the newest such bucket (epoch ms). Kept between detection passes, so a later group can be
 * told whether the incident explains it (see OpenIncidentRef.slowOrFailing).
 */
export type SlowOrFailing = [fingerprint: string, service: string, bucket: number];

/**
 * What is still current: the incidents still open, and buckets no older than `since` (a symptom
 * that has passed explains nothing now).
 */
export function currentSlowOrFailing(
  kept: SlowOrFailing[],
  open: Set<string>,
  since: number,
): SlowOrFailing[] {
  return kept.filter(([fingerprint, , bucket]) => open.has(fingerprint) && bucket >= since);
}

/** The services at which an incident currently shows slow or failing calls. */
export function slowOrFailingAt(kept: SlowOrFailing[], fingerprint: string): string[] {
  return kept.filter(([f]) => f === fingerprint).map(([, service]) => service);
}

/**
 * `kept` with what this pass's candidates brought to their incidents: each anomaly that
 * `slowOrFailing` accepts (latency, errors, a service gone silent) at its service, the newest
 * bucket per incident and service.
 */
export function withCandidates(
  kept: SlowOrFailing[],
  candidates: IncidentCandidate[],
  slowOrFailing: (anomaly: Anomaly) => boolean,
): SlowOrFailing[] {
  const newest = new Map<string, SlowOrFailing>();
  const see = (entry: SlowOrFailing) => {
    const key = `${entry[0]}\u0000${entry[1]}`;
    if ((newest.get(key)?.[2] ?? -Infinity) < entry[2]) newest.set(key, entry);
  };
  kept.forEach(see);
  for (const c of candidates)
    for (const a of c.anomalies)
      if (slowOrFailing(a)) see([c.fingerprint, a.service, Date.parse(a.at)]);
  return [...newest.values()];
}
