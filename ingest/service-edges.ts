import { rollupBucket, type Rollups } from '../store/telemetry-rollups';
import { SpanKind } from './otlp';

/** The fields of a stored span that edge derivation reads. */
export interface EdgeSpan {
  spanId: Uint8Array;
  parentSpanId: Uint8Array | null;
  serviceId: number;
  kind: number;
  startUs: number;
  durationNs: number;
  statusCode: number;
  /** Dictionary id of the span's peer.service attribute, if any. */
  peerServiceId: number | null;
}

interface Call {
  serviceId: number;
  bucket: number;
  durationUs: number;
  error: boolean;
}
interface PendingCaller extends Call {
  peerServiceId: number | null;
  /** A span of another service named this caller as its parent. */
  matched: boolean;
  expiresAt: number;
}
interface Orphan extends Call {
  expiresAt: number;
}

const isCaller = (kind: number) =>
  kind === SpanKind.SPAN_KIND_CLIENT || kind === SpanKind.SPAN_KIND_PRODUCER;
const isCallee = (kind: number) =>
  kind === SpanKind.SPAN_KIND_SERVER || kind === SpanKind.SPAN_KIND_CONSUMER;
/**
 * A span id as a number: 53 of its 64 bits, so a Map can key on it without building strings.
 * Two spans colliding (one chance in 2^53) would at worst misattribute one edge.
 */
function key(id: Uint8Array): number {
  const high = ((id[0]! << 24) | (id[1]! << 16) | (id[2]! << 8) | id[3]!) >>> 11;
  const low = ((id[4]! << 24) | (id[5]! << 16) | (id[6]! << 8) | id[7]!) >>> 0;
  return high * 4_294_967_296 + low;
}
const STATUS_ERROR = 2;

function call(s: EdgeSpan): Call {
  return {
    serviceId: s.serviceId,
    bucket: rollupBucket(s.startUs),
    durationUs: Math.max(0, s.durationNs / 1000),
    error: s.statusCode === STATUS_ERROR,
  };
}

/**
 * Derives service → service call edges from spans. An edge is counted once per call, from the
 * callee's side when the callee is instrumented: a span whose parent belongs to another
 * service. Parent and child usually arrive in different requests (the child ends, and is
 * exported, first), so recent CLIENT/PRODUCER spans wait here for their children, and SERVER/
 * CONSUMER spans whose parent has not arrived wait for it, both for `waitMs`. A caller that no
 * instrumented child claimed by then counts as an edge to its peer.service (databases, external
 * APIs). The waiting state is memory only: edges of calls pending during a crash are lost;
 * the spans themselves are not.
 * An edge's latency is what the caller waited when its span is known (never less than the
 * callee's own time): a slow network between them shows on the edge and nowhere else, while
 * the callee's own time is already its server operations' latency.
 */
export class ServiceEdgeTracker {
  private readonly callers = new Map<number, PendingCaller>();
  private readonly orphans = new Map<number, Orphan[]>();
  private orphanCount = 0;

  constructor(
    private readonly waitMs = 15_000,
    private readonly maxPending = 200_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds the edges the spans of one request complete to `rollups`. */
  observe(spans: readonly EdgeSpan[], rollups: Rollups): void {
    const expiresAt = this.now() + this.waitMs;
    const keys = spans.map((s) => key(s.spanId));
    const inRequest = new Map<number, EdgeSpan>();
    for (let i = 0; i < spans.length; i++) inRequest.set(keys[i]!, spans[i]!);
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i]!;
      if (!isCaller(s.kind)) continue;
      const caller: PendingCaller = {
        serviceId: s.serviceId,
        bucket: rollupBucket(s.startUs),
        durationUs: Math.max(0, s.durationNs / 1000),
        error: s.statusCode === STATUS_ERROR,
        peerServiceId: s.peerServiceId,
        matched: false,
        expiresAt,
      };
      this.callers.set(keys[i]!, caller);
      const waiting = this.orphans.get(keys[i]!);
      if (!waiting) continue;
      this.orphans.delete(keys[i]!);
      this.orphanCount -= waiting.length;
      for (const child of waiting) this.link(caller, child, rollups);
    }
    for (const s of spans) {
      if (s.parentSpanId === null || s.parentSpanId.length !== 8) continue;
      const pk = key(s.parentSpanId);
      const parent = inRequest.get(pk);
      if (parent && parent.serviceId === s.serviceId) continue;
      const caller = this.callers.get(pk);
      if (caller) this.link(caller, call(s), rollups);
      else if (parent) addEdge(rollups, parent.serviceId, call(s));
      else if (isCallee(s.kind)) {
        const orphan: Orphan = { ...call(s), expiresAt };
        const list = this.orphans.get(pk);
        if (list) list.push(orphan);
        else this.orphans.set(pk, [orphan]);
        this.orphanCount++;
      }
    }
    this.evictOverflow(rollups);
  }

  /** Settles what waited past `now`: unclaimed callers count toward their peer.service. */
  sweep(rollups: Rollups, now: number = this.now()): void {
    for (const [k, caller] of this.callers) {
      if (caller.expiresAt > now) break;
      this.settleCaller(k, caller, rollups);
    }
    for (const [k, list] of this.orphans) {
      if ((list[0]?.expiresAt ?? 0) > now) break;
      this.orphans.delete(k);
      this.orphanCount -= list.length;
    }
  }

  get pending(): number {
    return this.callers.size + this.orphanCount;
  }

  private link(caller: PendingCaller, child: Call, rollups: Rollups) {
    if (caller.serviceId === child.serviceId) return;
    caller.matched = true;
    addEdge(rollups, caller.serviceId, {
      ...child,
      durationUs: Math.max(caller.durationUs, child.durationUs),
    });
  }

  private settleCaller(k: number, caller: PendingCaller, rollups: Rollups) {
    this.callers.delete(k);
    if (
      !caller.matched &&
      caller.peerServiceId !== null &&
      caller.peerServiceId !== caller.serviceId
    )
      rollups.addEdge(
        caller.bucket,
        caller.serviceId,
        caller.peerServiceId,
        caller.durationUs,
        caller.error,
      );
  }

  /** Bounded memory: the oldest waiting entries are settled early. */
  private evictOverflow(rollups: Rollups) {
    for (const [k, caller] of this.callers) {
      if (this.callers.size <= this.maxPending) break;
      this.settleCaller(k, caller, rollups);
    }
    for (const [k, list] of this.orphans) {
      if (this.orphanCount <= this.maxPending) break;
      this.orphans.delete(k);
      this.orphanCount -= list.length;
    }
  }
}

function addEdge(rollups: Rollups, callerServiceId: number, callee: Call) {
  rollups.addEdge(
    callee.bucket,
    callerServiceId,
    callee.serviceId,
    callee.durationUs,
    callee.error,
  );
}
