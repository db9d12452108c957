import { byScore, type RcaMethod, type RootCauseCandidate } from './candidate';
import type { Evidence, SampledTrace, Series, TraceSpanSummary } from './evidence';
import { median, present } from './stats';

/**
 * MicroRank-style trace spectrum ranking (Yu et al., WWW '21). Operations and traces form a
 * bipartite graph plus the call edges between operations; personalised PageRank over the
 * abnormal traces and over the normal traces weights each operation, and a weighted spectrum
 * formula (Ochiai) contrasts abnormal and normal traces. Plain trace coverage cannot separate
 * operations that always run together (a service and its database), so an operation counts
 * as "covered" in a trace only where it is the deepest anomalous call: slower than its
 * baseline p99 or failing, as its caller saw it, with no anomalous call beneath it.
 */

const damping = 0.85;
const iterations = 30;
/** Share of an operation's outgoing walk that follows its calls rather than its traces. */
const callShare = 0.3;

interface TraceOps {
  traceId: string;
  ops: number[];
  calls: [number, number][];
  /** Operations blamed in this trace (deepest anomalous calls). */
  blamed: Set<number>;
}

export const microRank: RcaMethod = {
  name: 'microrank',
  rank(evidence: Evidence): RootCauseCandidate[] {
    const ids = new Map<string, number>();
    const opNames: { service: string; operation: string }[] = [];
    const opId = (service: string, operation: string): number => {
      const key = `${service}\u0000${operation}`;
      let id = ids.get(key);
      if (id === undefined) {
        ids.set(key, (id = opNames.length));
        opNames.push({ service, operation });
      }
      return id;
    };
    const limits = baselineLimits(evidence);
    const toOps = (t: SampledTrace) => traceOps(t, opId, limits);
    const abnormal = evidence.traces.abnormal.map(toOps);
    const normal = evidence.traces.normal.map(toOps);
    const n = opNames.length;
    const weightA = pageRank(abnormal, n);
    const weightN = pageRank(normal, n);
    const blamedA = blameCount(abnormal, n);
    const blamedN = blameCount(normal, n);

    const opScores = opNames.map((_, op) => {
      const ef = (weightA[op] ?? 0) * (blamedA[op] ?? 0);
      const nf = (weightA[op] ?? 0) * (abnormal.length - (blamedA[op] ?? 0));
      const ep = (weightN[op] ?? 0) * (blamedN[op] ?? 0);
      const denominator = Math.sqrt((ef + ep) * (ef + nf));
      return denominator > 0 ? ef / denominator : 0;
    });
    const best = new Map<string, { op: number; score: number }>();
    opScores.forEach((score, op) => {
      const service = opNames[op]?.service ?? '';
      const current = best.get(service);
      if (!current || score > current.score) best.set(service, { op, score });
    });
    return byScore(
      evidence.services.map((service) => {
        const top = best.get(service);
        const op = top ? opNames[top.op] : undefined;
        return {
          service,
          operation: op?.operation,
          kind: 'latency',
          score: top?.score ?? 0,
          evidence: {
            traceIds: top
              ? abnormal
                  .filter((t) => t.blamed.has(top.op))
                  .slice(0, 5)
                  .map((t) => t.traceId)
              : [],
          },
        };
      }),
    );
  },
};

/** Baseline p99 duration per operation (server side) and per edge (client side), in ms. */
interface Limits {
  operation: Map<string, number>;
  edge: Map<string, number>;
}

function baselineLimits(evidence: Evidence): Limits {
  const nb = evidence.baselineBuckets;
  const p99 = (series: Series) => median(present(series.slice(0, nb)));
  return {
    operation: new Map(
      evidence.operations.map((o) => [`${o.service}\u0000${o.operation}`, p99(o.red.p99Ms)]),
    ),
    edge: new Map(evidence.edges.map((e) => [`${e.caller}\u0000${e.callee}`, p99(e.client.p99Ms)])),
  };
}

/** Slack over the baseline p99 so routine jitter is not blamed. */
const slackMs = 1;

/**
 * The operations a trace exercised: its SERVER spans, plus the callee side of CLIENT spans
 * that got no SERVER span (databases, or services that could not be reached). Each call is
 * judged by the duration its caller saw, so delays on the way to a service count against it.
 */
function traceOps(
  trace: SampledTrace,
  opId: (service: string, operation: string) => number,
  limits: Limits,
): TraceOps {
  const byId = new Map(trace.spans.map((s) => [s.spanId, s]));
  const serverOf = new Map<string, TraceSpanSummary>();
  for (const s of trace.spans) {
    if (s.kind === 'SERVER' && s.parentSpanId) serverOf.set(s.parentSpanId, s);
  }
  interface Call {
    node: number;
    slow: boolean;
    error: boolean;
    parent?: string;
  }
  const calls = new Map<string, Call>();
  for (const s of trace.spans) {
    if (s.kind === 'SERVER' && !s.parentSpanId) {
      const limit = limits.operation.get(`${s.service}\u0000${s.operation}`) ?? Infinity;
      calls.set(s.spanId, {
        node: opId(s.service, s.operation),
        slow: s.durationMs > limit + slackMs,
        error: s.error,
      });
    } else if (s.kind === 'CLIENT' && s.peerService) {
      const server = serverOf.get(s.spanId);
      const service = server?.service ?? s.peerService;
      const operation = server?.operation ?? s.operation;
      const limit = server
        ? (limits.operation.get(`${service}\u0000${operation}`) ?? Infinity) + 2 * slackMs
        : (limits.edge.get(`${s.service}\u0000${s.peerService}`) ?? Infinity) + slackMs;
      calls.set(server?.spanId ?? s.spanId, {
        node: opId(service, operation),
        slow: s.durationMs > limit,
        error: s.error,
        parent: enclosingServer(s, byId),
      });
    }
  }
  const childSlow = new Set<string>();
  const childError = new Set<string>();
  for (const call of calls.values()) {
    if (!call.parent) continue;
    if (call.slow) childSlow.add(call.parent);
    if (call.error) childError.add(call.parent);
  }
  const blamed = new Set<number>();
  const edges: [number, number][] = [];
  for (const [id, call] of calls) {
    if ((call.slow && !childSlow.has(id)) || (call.error && !childError.has(id))) {
      blamed.add(call.node);
    }
    const parent = call.parent ? calls.get(call.parent) : undefined;
    if (parent && parent.node !== call.node) edges.push([parent.node, call.node]);
  }
  return {
    traceId: trace.traceId,
    ops: [...new Set([...calls.values()].map((c) => c.node))],
    calls: edges,
    blamed,
  };
}

/** The SERVER span a CLIENT span was made from (its caller operation). */
function enclosingServer(
  span: TraceSpanSummary,
  byId: ReadonlyMap<string, TraceSpanSummary>,
): string | undefined {
  let s = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
  while (s && s.kind !== 'SERVER') s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
  return s?.spanId;
}

function blameCount(traces: readonly TraceOps[], n: number): number[] {
  const count = new Array<number>(n).fill(0);
  for (const t of traces) for (const op of t.blamed) count[op] = (count[op] ?? 0) + 1;
  return count;
}

/**
 * Personalised PageRank on operations + traces. Traces that touch fewer operations get more
 * preference (they localise better). Returns the operations' stationary weights.
 */
function pageRank(traces: readonly TraceOps[], n: number): number[] {
  const m = traces.length;
  if (m === 0) return new Array<number>(n).fill(0);
  const tracesOf: number[][] = Array.from({ length: n }, () => []);
  const calleesOf: Set<number>[] = Array.from({ length: n }, () => new Set());
  traces.forEach((t, ti) => {
    for (const op of t.ops) tracesOf[op]?.push(ti);
    for (const [a, b] of t.calls) calleesOf[a]?.add(b);
  });
  const preference = traces.map((t) => 1 / Math.max(1, t.ops.length));
  const total = preference.reduce((s, x) => s + x, 0);
  for (let i = 0; i < m; i++) preference[i] = (preference[i] ?? 0) / total;

  let opRank = new Array<number>(n).fill(0);
  let traceRank = [...preference];
  for (let it = 0; it < iterations; it++) {
    const nextOp = new Array<number>(n).fill(0);
    const nextTrace = new Array<number>(m).fill(0);
    traces.forEach((t, ti) => {
      const share = (traceRank[ti] ?? 0) / Math.max(1, t.ops.length);
      for (const op of t.ops) nextOp[op] = (nextOp[op] ?? 0) + share;
    });
    for (let op = 0; op < n; op++) {
      const mass = opRank[op] ?? 0;
      const callees = calleesOf[op] ?? new Set<number>();
      const toTraces = callees.size ? 1 - callShare : 1;
      const ts = tracesOf[op] ?? [];
      for (const ti of ts) nextTrace[ti] = (nextTrace[ti] ?? 0) + (mass * toTraces) / ts.length;
      for (const c of callees) nextOp[c] = (nextOp[c] ?? 0) + (mass * callShare) / callees.size;
    }
    opRank = nextOp.map((x) => damping * x);
    traceRank = nextTrace.map((x, i) => damping * x + (1 - damping) * (preference[i] ?? 0));
  }
  return opRank;
}
