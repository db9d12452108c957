import type { Anomaly, IncidentCandidate } from '../workflows/incident/types';

/** A directed call edge between services (caller → callee) seen in traces. */
export interface ServiceEdge {
  caller: string;
  callee: string;
}

export interface OpenIncidentRef {
  fingerprint: string;
  /** The service the incident blames. */
  service: string;
  services: string[];
  /** When it opened (epoch ms): a group that began with it is the same fault seen elsewhere. */
  openedAt?: number;
  /**
   * Only gauges have backed it (e.g. a cured fault's memory still settling): a group whose
   * requests show a fault that could open an incident of its own is not pulled into it.
   */
  gaugesOnly?: boolean;
  /**
   * The services at which its evidence of the last half-minute showed slow or failing calls
   * (latency, errors, a service gone silent); absent when not known. Only these can explain
   * another group's slow or failing calls (see explains).
   */
  slowOrFailing?: string[];
}

/**
 * Anomalies that begin this close to an open incident's opening, anywhere in the call graph
 * it is connected to, are that fault seen in more places: one cause shows everywhere at once,
 * two independent faults starting within half a minute of each other are rare.
 */
export const coincidentOnsetMs = 30_000;

export interface CorrelationOptions {
  /**
   * A new incident needs this many independent anomalies; one stray point attaches but never
   * opens. Series that measure the same calls count once: a service's (its operations, the
   * edges into it) per signal and bucket, and latency once per bucket across the group; a
   * service's metrics once per bucket.
   */
  minAnomaliesToOpen?: number;
  /** Anomalies that open an incident on their own (e.g. a novel log template that recurs). */
  conclusive?: (anomaly: Anomaly) => boolean;
  /** Anomalies saying their service is down: it is the culprit of its group. */
  outage?: (anomaly: Anomaly) => boolean;
  /**
   * Anomalies that back an incident but never open one nor make their service a suspect
   * (e.g. a service doing less than usual: what failing callers do to it).
   */
  supporting?: (anomaly: Anomaly) => boolean;
  /**
   * Latency anomalies whose bucket is slow because of a single request (see evidence): with one
   * scrape at their service they are one look at that request.
   */
  oneRequest?: (anomaly: Anomaly) => boolean;
  /**
   * Latency anomalies whose bucket alone weighs as much as two anomalous buckets (so many of its
   * requests shifted that chance would give them less often than two anomalies in a row): the
   * volume stands in for persistence (see evidence).
   */
  manyRequests?: (anomaly: Anomaly) => boolean;
  /**
   * Gauges that time requests (a pod's latency percentiles, in a unit of time): at a service
   * whose requests' latency is anomalous they are those calls again (see evidence).
   */
  timesRequests?: (anomaly: Anomaly) => boolean;
  /**
   * Services whose requests the engine has just timed itself, as spans counted request by
   * request: there a pod's gauge that times requests (see timesRequests) reads the same requests
   * with less to say (see evidence).
   */
  requestsInSpans?: (service: string) => boolean;
  /**
   * Anomalies read off a service's log lines (a novel template's burst, a template's count, the
   * share of its lines at WARN or worse): views of the same lines, one piece per bucket.
   */
  fromLines?: (anomaly: Anomaly) => boolean;
}

/** A metric reading scraped from a pod or host, not a symptom in requests or logs. */
export function isGauge(anomaly: Anomaly): boolean {
  return anomaly.signal === 'saturation';
}

/**
 * Groups one detection pass's anomalies into faults. Anomalous services connected in the call
 * graph are one fault (a slow database makes its callers slow too: one incident, not one per
 * caller). The group's culprit is its deepest service: one whose callees are all healthy.
 * A group attaches to an open incident when one blames what the other is about (the group's
 * culprit is among the incident's services or calls the incident's service, or the incident's
 * service is in the group), so repeats never open another, while a new fault behind a shared
 * caller (every fault makes the frontend slow) still opens its own. A service that went down
 * is its group's culprit. A service whose only news is one scrape's metric reading joins no
 * group but that of its callers whose requests show the fault (see scrapeAtCallees), and no open
 * incident that does not already list it (one that does, it only backs): a scrape reads every
 * pod at once, so its readings share a moment, not a fault. Slow or failing calls join an open
 * incident only when its current evidence shows slow or failing calls where they lead, and a
 * callee's log lines alone never make slow callers its group (see explainsCalls).
 */
export function correlateAnomalies(
  anomalies: Anomaly[],
  edges: ServiceEdge[],
  open: OpenIncidentRef[],
  /** When the pass reported (identifies the report). */
  reportedAt: string,
  {
    minAnomaliesToOpen = 2,
    conclusive = () => false,
    outage = () => false,
    supporting = () => false,
    oneRequest = () => false,
    manyRequests = () => false,
    timesRequests = () => false,
    requestsInSpans = () => false,
    fromLines = () => false,
  }: CorrelationOptions = {},
): IncidentCandidate[] {
  const byService = new Map<string, Anomaly[]>();
  for (const a of anomalies) {
    const list = byService.get(a.service) ?? [];
    list.push(a);
    byService.set(a.service, list);
  }
  const anomalous = new Set(byService.keys());
  const calls = new Set(edges.map((e) => `${e.caller}\u0000${e.callee}`));
  const linked = new Map<string, Set<string>>();
  for (const { caller, callee } of edges) {
    link(linked, caller, callee);
    link(linked, callee, caller);
  }
  // Only evidence beyond one scrape's metric readings (a symptom in traces or logs, or a reading
  // off again in a later bucket) joins a service to a group or a group to an open incident.
  const gaugeBuckets = bucketsOfGauges(anomalies);
  const beyondOneScrape = new Set(
    anomalies
      .filter((a) => !isGauge(a) || gaugeBuckets.get(a.seriesKey)!.size > 1)
      .map((a) => a.service),
  );
  // A service's log lines cannot make its callers slow: a caller whose calls are only slow and
  // a callee that shows only its lines are two faults (see explainsCalls).
  const evidentialAt = (s: string) => byService.get(s)!.filter((a) => !supporting(a));
  const onlyLines = (s: string) => {
    const own = evidentialAt(s);
    return own.length > 0 && own.every(fromLines);
  };
  const onlySlow = (s: string) => {
    const symptoms = evidentialAt(s).filter((a) => !isGauge(a) && !fromLines(a));
    return symptoms.length > 0 && symptoms.every((a) => a.signal === 'latency');
  };
  const neighbours = new Map<string, Set<string>>();
  const anomalousCallees = new Map<string, Set<string>>();
  for (const { caller, callee } of edges) {
    if (caller === callee || !beyondOneScrape.has(caller) || !beyondOneScrape.has(callee)) continue;
    if (onlySlow(caller) && onlyLines(callee)) continue;
    link(neighbours, caller, callee);
    link(neighbours, callee, caller);
    link(anomalousCallees, caller, callee);
  }
  const seen = new Set<string>();
  const groups: string[][] = [];
  for (const s of [...anomalous].sort())
    if (!seen.has(s)) groups.push(component(s, neighbours, seen));
  const inRequests = new Set(
    anomalies.filter((a) => !isGauge(a) && !supporting(a)).map((a) => a.service),
  );
  const oneScrape = [...anomalous].filter((s) => !beyondOneScrape.has(s));
  // A one-scrape service is a group of its own until it joins its callers' group.
  for (const { caller, callee } of scrapeAtCallees(
    oneScrape,
    inRequests,
    edges,
    groups,
    linked,
    byService,
  )) {
    link(anomalousCallees, caller, callee);
    const from = groups.find((g) => g.includes(callee))!;
    const to = groups.find((g) => g.includes(caller))!;
    if (from === to) continue;
    to.push(callee);
    to.sort();
    groups.splice(groups.indexOf(from), 1);
  }
  groups.sort((a, b) => a[0]!.localeCompare(b[0]!));

  // Services with more than supporting anomalies: only these can be a fault's culprit.
  const telling = new Set(anomalies.filter((a) => !supporting(a)).map((a) => a.service));
  const sinksOf = (group: string[]) =>
    group.filter(
      (s) => telling.has(s) && ![...(anomalousCallees.get(s) ?? [])].some((c) => telling.has(c)),
    );
  const candidates: IncidentCandidate[] = [];
  // The incidents this pass opens are open to its later groups, as they would be to the next
  // pass's: whether a fault's groups land in one pass or two must not decide how many incidents
  // it opens. Earliest onset first, so the group that began first is the one the others join.
  const openedHere: OpenIncidentRef[] = [];
  const onsetOf = (group: string[]) =>
    Math.min(...group.flatMap((s) => byService.get(s) ?? []).map((a) => Date.parse(a.at)));
  const views = { oneRequest, manyRequests, timesRequests, requestsInSpans, fromLines };
  const evidentialOf = (group: string[]) =>
    group.flatMap((s) => byService.get(s) ?? []).filter((a) => !supporting(a));
  // Groups that begin together: the one with the most evidence leads, not the first by name.
  const strengthOf = (group: string[]) => evidence(evidentialOf(group), views);
  const parts = groups.flatMap((group) => splitExplained(group, sinksOf, anomalousCallees, open));
  parts.sort((a, b) => onsetOf(a) - onsetOf(b) || strengthOf(b) - strengthOf(a));
  for (const part of parts) report(part);
  return candidates;

  function report(group: string[]): void {
    const culprit = pickCulprit(group, sinksOf(group), byService, outage);
    // A new error template at the culprit itself is a new fault there, even when an open
    // incident lists the culprit among the services its own fault slowed down.
    const newAtCulprit = byService.get(culprit)?.some(conclusive) ?? false;
    const groupAnomalies = group.flatMap((s) => byService.get(s) ?? []);
    const onset = onsetOf(group);
    const evidential = evidentialOf(group);
    const opens = evidence(evidential, views) >= minAnomaliesToOpen || evidential.some(conclusive);
    const joinableOf = (refs: OpenIncidentRef[]) =>
      opens && evidential.some((a) => !isGauge(a)) ? refs.filter((o) => !o.gaugesOnly) : refs;
    const joinable = joinableOf(open);
    // Slow or failing calls join an incident only where its current evidence explains them.
    const explains = evidential.some((a) => slowOrFailingCall(a, { fromLines, outage }))
      ? explainsCalls
      : () => true;
    // One scrape's readings never join a fault elsewhere; at services an open incident already
    // lists, they back it (see backsOnly) without widening it.
    const attached = group.some((s) => beyondOneScrape.has(s))
      ? (related(culprit, group, joinable, calls, newAtCulprit, explains) ??
        coincident(onset, group, joinableOf([...open, ...openedHere]), linked, explains))
      : joinable.find((o) => group.every((s) => o.services.includes(s)))?.fingerprint;
    const fingerprint = attached ?? fingerprintOf(culprit);
    if (!attached && !opens) return;
    if (!attached)
      openedHere.push({
        fingerprint,
        service: culprit,
        services: group,
        openedAt: onset,
        gaugesOnly: evidential.every(isGauge),
        slowOrFailing: group.filter((s) =>
          evidentialAt(s).some((a) => slowOrFailingCall(a, { fromLines, outage })),
        ),
      });
    // What could have opened an incident keeps one open; gauges alone only back it (a gauge
    // still settling after its fault was cured would keep that incident open for minutes).
    const backsOnly = !opens && evidential.every(isGauge);
    candidates.push({
      key: `${reportedAt}|${fingerprint}|${group.join(',')}`,
      fingerprint,
      service: culprit,
      services: group,
      // Ties by series, so the order does not follow the order the store returned them in.
      anomalies: groupAnomalies.sort(
        (a, b) => b.score - a.score || a.seriesKey.localeCompare(b.seriesKey),
      ),
      // The newest anomaly's bucket (telemetry time); the incident counts its quiet period from
      // whichever is later, this or when the report reached it (see quietSince).
      observedAt: newest(groupAnomalies),
      ...(backsOnly && { backsOnly }),
    });
  }
}

/**
 * The calls from services whose requests show the fault into services whose only news is one
 * scrape's reading: a slow database's own gauge is read a scrape before its callers' calls into it
 * settle, and it is where the fault is. One hop only (such a callee links to nothing else), and
 * only when the callee's symptomatic callers are already one group, so a shared callee never
 * merges two faults. A scrape with readings off at a service no symptom in requests touches
 * caught a moment everywhere (load, a node), not a fault: then none of that scrape's readings
 * join. A reading of another bucket (a held one from an earlier scrape) is another moment.
 */
function scrapeAtCallees(
  oneScrape: string[],
  inRequests: Set<string>,
  edges: ServiceEdge[],
  groups: string[][],
  linked: Map<string, Set<string>>,
  byService: Map<string, Anomaly[]>,
): ServiceEdge[] {
  const touched = (s: string) => [...(linked.get(s) ?? [])].some((n) => inRequests.has(n));
  const bucketsOf = (s: string) => new Set(byService.get(s)!.map((a) => a.at));
  const untouchedBuckets = new Set(
    oneScrape.filter((s) => !touched(s)).flatMap((s) => [...bucketsOf(s)]),
  );
  return oneScrape.flatMap((callee) => {
    if ([...bucketsOf(callee)].some((b) => untouchedBuckets.has(b))) return [];
    // A reading off a baseline of zero says only that the callee was busy, which its caller's
    // requests passing through it already say; it cannot say how far off it is.
    if (byService.get(callee)!.every((a) => a.baseline === 0)) return [];
    const callers = edges.filter(
      (e) => e.callee === callee && e.caller !== callee && inRequests.has(e.caller),
    );
    const callerGroups = new Set(callers.map((e) => groups.find((g) => g.includes(e.caller))));
    return callerGroups.size === 1 ? callers.map((e) => ({ caller: e.caller, callee })) : [];
  });
}

/**
 * A group whose sinks include the service an open incident blames, and other sinks too, is a
 * persisting fault joined by a new one through shared callers. The open incident takes its
 * service and every anomalous caller on the way to it; the rest is judged on its own (else a
 * fault left unfixed would swallow every later fault that shares a caller with it).
 */
function splitExplained(
  group: string[],
  sinksOf: (group: string[]) => string[],
  anomalousCallees: Map<string, Set<string>>,
  open: OpenIncidentRef[],
): string[][] {
  const sinks = sinksOf(group);
  const blamed = new Set(open.map((o) => o.service));
  const explained = new Set(sinks.filter((s) => blamed.has(s)));
  if (!explained.size || explained.size === sinks.length) return [group];
  for (let grew = true; grew;) {
    grew = false;
    for (const s of group) {
      if (explained.has(s) || ![...(anomalousCallees.get(s) ?? [])].some((c) => explained.has(c)))
        continue;
      explained.add(s);
      grew = true;
    }
  }
  const rest = group.filter((s) => !explained.has(s));
  return rest.length ? [group.filter((s) => explained.has(s)), rest] : [group];
}

/**
 * Slow or failing calls: a symptom in requests, or a service gone silent (the share of WARN lines
 * is no call). Only these can explain another group's slow or failing calls (see explainsCalls).
 */
export function slowOrFailingCall(
  anomaly: Anomaly,
  { fromLines, outage }: { fromLines: (a: Anomaly) => boolean; outage: (a: Anomaly) => boolean },
): boolean {
  const inCalls =
    (anomaly.signal === 'latency' || anomaly.signal === 'errors') && !fromLines(anomaly);
  return inCalls || outage(anomaly);
}

/**
 * Whether an open incident's current evidence can explain slow or failing calls that reach
 * these of its services: only slow or failing calls there can. A service's share of WARN lines,
 * a gauge or a symptom that has passed cannot make its callers slow, so the group is then a
 * fault of its own (held until it can open, see minAnomaliesToOpen).
 */
type Explains = (incident: OpenIncidentRef, reached: (service: string) => boolean) => boolean;
const explainsCalls: Explains = ({ slowOrFailing }, reached) =>
  slowOrFailing?.some(reached) ?? true;

function newest(anomalies: Anomaly[]): string {
  return anomalies.map((a) => a.at).reduce((a, b) => (b > a ? b : a));
}

type Views = Required<
  Pick<
    CorrelationOptions,
    'oneRequest' | 'manyRequests' | 'timesRequests' | 'requestsInSpans' | 'fromLines'
  >
>;

function evidence(
  anomalies: Anomaly[],
  { oneRequest, manyRequests, timesRequests, requestsInSpans, fromLines }: Views,
): number {
  // One slow request is slow in every service it passed through: latency anomalies of one
  // bucket are one piece of evidence however many services show them.
  // A service's error series share their calls; what its log lines say (a new line, a line
  // logged more, more of its lines at WARN) is one reading of the same lines.
  // Persistence asks a second bucket to rule out a moment's chance; a bucket whose shifted
  // requests are too many for chance even twice over has ruled it out alone: two pieces.
  const pieces = new Set(
    anomalies
      .filter((a) => !isGauge(a))
      .flatMap((a) =>
        a.signal === 'latency'
          ? [`latency|${a.at}`, ...(manyRequests(a) ? [`latency|${a.at}|volume`] : [])]
          : [`${a.service}|${fromLines(a) ? 'lines' : a.signal}|${a.at}`],
      ),
  );
  // A scrape reads every pod at about the same moment: what one scrape shows, at one service or
  // at many (a node they share, a rollout), is one look, even spread over two buckets (readings
  // are stamped a few seconds apart). Metrics persist when the same reading is off again in a
  // later bucket: each bucket of that series is then a piece.
  // A pod's one scrape at a service whose requests are slow may read those requests again: its
  // own latency percentiles always do (a service's views of the same calls count once), and
  // when the slowness rests on a single request, so may anything else it read (the load that
  // request made). Then the scrape adds no piece: one request is neither persistence nor volume,
  // and the same reading off again, or a second slow request, is.
  const latency = anomalies.filter((a) => a.signal === 'latency');
  const sameCalls = new Set(
    anomalies
      .filter((a) => {
        const own = latency.filter((l) => l.service === a.service);
        return isGauge(a) && own.length > 0 && (timesRequests(a) || own.every(oneRequest));
      })
      .map((a) => a.seriesKey),
  );
  // A pod's latency percentiles time the requests the engine also sees as spans, where it sees
  // them. The spans say how many requests were slow; a percentile of a minute's few requests
  // rests on one or two of them, in that scrape and in the next ones while it covers them. So
  // such a gauge adds no piece: the spans' own latency is the evidence. At a service seen only
  // through its metrics the gauge is the only witness of its requests and counts.
  const witnessedBySpans = (a: Anomaly) => timesRequests(a) && requestsInSpans(a.service);
  const looks = [...bucketsOfGauges(anomalies.filter((a) => !witnessedBySpans(a)))]
    .filter(([series, buckets]) => buckets.size > 1 || !sameCalls.has(series))
    .map(([, buckets]) => buckets.size);
  return pieces.size + Math.max(0, ...looks);
}

/** The buckets each gauge series was off in. */
function bucketsOfGauges(anomalies: Anomaly[]): Map<string, Set<string>> {
  const buckets = new Map<string, Set<string>>();
  for (const a of anomalies) if (isGauge(a)) link(buckets, a.seriesKey, a.at);
  return buckets;
}

function link(map: Map<string, Set<string>>, from: string, to: string) {
  const set = map.get(from) ?? new Set<string>();
  set.add(to);
  map.set(from, set);
}

function component(
  start: string,
  neighbours: Map<string, Set<string>>,
  seen: Set<string>,
): string[] {
  const group: string[] = [];
  const stack = [start];
  seen.add(start);
  while (stack.length) {
    const service = stack.pop()!;
    group.push(service);
    for (const next of neighbours.get(service) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return group.sort();
}

function strongest(anomalies: Anomaly[] | undefined): number {
  return Math.max(0, ...(anomalies ?? []).map((a) => a.score));
}

function pickCulprit(
  group: string[],
  sinks: string[],
  byService: Map<string, Anomaly[]>,
  outage: (anomaly: Anomaly) => boolean,
): string {
  // A service that went down explains its callers' errors and its callees' lost traffic.
  const down = group.filter((s) => byService.get(s)?.some(outage));
  // A cycle of anomalous services has no sink: then every member is a suspect.
  const suspects = down.length ? down : sinks.length ? sinks : group;
  return [...suspects].sort(
    (a, b) =>
      strongest(byService.get(b)) - strongest(byService.get(a)) ||
      (byService.get(b)?.length ?? 0) - (byService.get(a)?.length ?? 0) ||
      a.localeCompare(b),
  )[0]!;
}

function related(
  culprit: string,
  group: string[],
  open: OpenIncidentRef[],
  calls: Set<string>,
  newAtCulprit: boolean,
  explains: Explains,
): string | undefined {
  // The culprit calling an open incident's service fails because of it: the incident's fault
  // seen upstream, in a pass where the failing service itself showed nothing new.
  return open.find((incident) =>
    newAtCulprit
      ? incident.service === culprit
      : incident.services.includes(culprit) ||
        group.includes(incident.service) ||
        (calls.has(`${culprit}\u0000${incident.service}`) &&
          explains(incident, (s) => s === incident.service)),
  )?.fingerprint;
}

/** The open incident that opened as this group began, in a part of the call graph it reaches. */
function coincident(
  onset: number,
  group: string[],
  open: OpenIncidentRef[],
  linked: Map<string, Set<string>>,
  explains: Explains,
): string | undefined {
  const near = open.filter(
    (o) => o.openedAt !== undefined && Math.abs(onset - o.openedAt) <= coincidentOnsetMs,
  );
  if (!near.length) return undefined;
  // A group of services with no known calls (metrics only) cannot be shown to be apart.
  if (!group.some((s) => linked.has(s)))
    return near.find((o) => explains(o, () => true))?.fingerprint;
  const reach = new Set<string>();
  for (const s of group) if (!reach.has(s)) component(s, linked, reach);
  return near.find((o) => o.services.some((s) => reach.has(s)) && explains(o, (s) => reach.has(s)))
    ?.fingerprint;
}

/** Workflow-id safe: the fingerprint becomes part of `incident-<fingerprint>`. */
export function fingerprintOf(service: string): string {
  return service.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
}
