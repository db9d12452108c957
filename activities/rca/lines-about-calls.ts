import {
  namesOtherService,
  quotesOtherEndpoint,
  type Endpoint,
} from '../../detectors/template-novelty';
import type { Evidence, SampledTrace, Series, TraceSpanSummary } from './evidence';

/**
 * Which service a caller's line is about when it reports a call it made, or undefined when it is
 * about the caller itself. A `call to X failed` or a retry after a timeout is the callee's
 * symptom as the caller saw it, logged loudest exactly when the callee is too slow or too broken
 * to log anything itself. The line is about a call when, in most of the sampled traces it was
 * written in, a service it calls answered with an error or slower than that operation's slowest
 * baseline p99, or wrote a failing line of its own in that trace (`loggedFailures`: trace id →
 * the services that wrote a new or bursting WARN-or-worse line in it; where spans carry no
 * status, as on Nezha's recordings, the callee's own line is the only error its answer shows),
 * or when its text names another service or quotes a route another serves.
 */
export type CalleeOfLine = (
  service: string,
  template: string,
  traceIds: readonly string[],
) => string | undefined;

export function calleeOfLine(
  evidence: Evidence,
  loggedFailures: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): CalleeOfLine {
  const traces = new Map<string, SampledTrace>();
  for (const t of [...evidence.traces.normal, ...evidence.traces.abnormal])
    traces.set(t.traceId, t);
  const slowerThan = baselineP99(evidence);
  const endpointsOf = new Map<string, Endpoint[]>();
  for (const o of evidence.operations) {
    if (!o.operation.startsWith('/')) continue;
    const routes = endpointsOf.get(o.service) ?? [];
    routes.push({ service: o.service, route: o.operation });
    endpointsOf.set(o.service, routes);
  }

  return (service, template, traceIds) => {
    const failing = new Map<string, number>();
    let seen = 0;
    for (const id of traceIds) {
      const trace = traces.get(id);
      if (!trace) continue;
      seen++;
      const logged = loggedFailures.get(id) ?? new Set<string>();
      for (const callee of failingCallees(trace, service, slowerThan, logged))
        failing.set(callee, (failing.get(callee) ?? 0) + 1);
    }
    let best: string | undefined;
    let count = 0;
    for (const [callee, n] of failing) if (n > count) [best, count] = [callee, n];
    if (best !== undefined && count * 2 >= seen) return best;
    return evidence.services.find(
      (other) =>
        other !== service &&
        (namesOtherService(template, service, [other]) ||
          quotesOtherEndpoint(template, service, endpointsOf.get(other) ?? [])),
    );
  };
}

/**
 * Per `service operation` (SERVER spans) and per `caller -> callee` (the caller's CLIENT spans),
 * the highest p99 of the baseline's buckets. A delay on the callee's network shows only in the
 * caller's CLIENT spans.
 */
function baselineP99(evidence: Evidence): Map<string, number> {
  const out = new Map<string, number>();
  const highest = (key: string, series: Series) => {
    const p99 = series.slice(0, evidence.baselineBuckets).filter((v): v is number => v !== null);
    if (p99.length) out.set(key, Math.max(...p99));
  };
  for (const op of evidence.operations) highest(`${op.service} ${op.operation}`, op.red.p99Ms);
  for (const edge of evidence.edges) highest(`${edge.caller} -> ${edge.callee}`, edge.client.p99Ms);
  return out;
}

/**
 * The services that failed `service` in this trace: following the calls that erred or ran slower
 * than their baseline (a span of another service under one of the caller's spans, or a caller's
 * CLIENT span into another service) down from `service`, the last services on each such path. A
 * callee slow only because its own callee is slow passes the line on: a delay shows in every
 * caller above the service it is in.
 */
function failingCallees(
  trace: SampledTrace,
  service: string,
  slowerThan: ReadonlyMap<string, number>,
  logged: ReadonlySet<string>,
): Set<string> {
  const below = failingCalls(trace, slowerThan, logged);
  const out = new Set<string>();
  const seen = new Set([service]);
  const visit = (caller: string) => {
    for (const callee of below.get(caller) ?? []) {
      if (seen.has(callee)) continue;
      seen.add(callee);
      if ([...(below.get(callee) ?? [])].some((c) => !seen.has(c))) visit(callee);
      else out.add(callee);
    }
  };
  visit(service);
  return out;
}

/**
 * caller → the services whose answers to it in this trace erred, came slower than baseline, or
 * came from a service that wrote a failing line in this trace (`logged`).
 */
function failingCalls(
  trace: SampledTrace,
  slowerThan: ReadonlyMap<string, number>,
  logged: ReadonlySet<string>,
): Map<string, Set<string>> {
  const byId = new Map(trace.spans.map((s) => [s.spanId, s]));
  const slow = (span: TraceSpanSummary, key: string, callee: string) =>
    span.error || span.durationMs > (slowerThan.get(key) ?? Infinity) || logged.has(callee);
  const out = new Map<string, Set<string>>();
  const add = (caller: string, callee: string) => {
    let set = out.get(caller);
    if (!set) out.set(caller, (set = new Set()));
    set.add(callee);
  };
  for (const span of trace.spans) {
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    if (
      parent &&
      parent.service !== span.service &&
      slow(span, `${span.service} ${span.operation}`, span.service)
    )
      add(parent.service, span.service);
    const peer = span.peerService;
    if (
      span.kind === 'CLIENT' &&
      peer !== undefined &&
      peer !== span.service &&
      slow(span, `${span.service} -> ${peer}`, peer)
    )
      add(span.service, peer);
  }
  return out;
}
