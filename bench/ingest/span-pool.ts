import { randomBytes } from 'node:crypto';
import type { HrTime, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { TraceFactory } from './span-trees';

const hrMs = (t: HrTime) => t[0] * 1000 + t[1] / 1e6;
function shifted(t: HrTime, byMs: number): HrTime {
  const ms = hrMs(t) + byMs;
  const sec = Math.floor(ms / 1000);
  return [sec, Math.round((ms - sec * 1000) * 1e6)];
}

/**
 * Serves SDK-built traces at load-generator speed. Creating spans through the SDK tracer costs
 * ~30 µs each, more than the receiver spends on them, which would make a 2-core benchmark
 * measure the load generator. So a pool of traces is built once with the real SDK, and each
 * use hands the exporter a view of a pooled trace with fresh trace and span ids and times
 * shifted to now: every exported span is new, and the OTLP exporter serializes every one.
 */
export class SpanPool {
  private readonly traces: ReadableSpan[][] = [];
  private next = 0;
  private readonly tag = randomBytes(4).toString('hex');
  private seq = 0;

  constructor(factory: TraceFactory, traceCount: number) {
    for (let i = 0; i < traceCount; i++) this.traces.push(factory.trace());
  }

  /** About `size` spans of whole traces, each freshly identified and ending now. */
  take(size: number): ReadableSpan[] {
    const out: ReadableSpan[] = [];
    while (out.length < size) {
      const original = this.traces[this.next++ % this.traces.length]!;
      out.push(...this.restamp(original, Date.now()));
    }
    return out;
  }

  private id(hexDigits: number): string {
    return (++this.seq).toString(16).padStart(hexDigits, '0');
  }

  private restamp(spans: ReadableSpan[], nowMs: number): ReadableSpan[] {
    const traceId = this.tag + this.id(24);
    const ids = new Map<string, string>();
    for (const s of spans) ids.set(s.spanContext().spanId, this.tag + this.id(8));
    const end = Math.max(...spans.map((s) => hrMs(s.endTime)));
    const by = nowMs - end;
    return spans.map((s): ReadableSpan => {
      const original = s.spanContext();
      const context: SpanContext = {
        traceId,
        spanId: ids.get(original.spanId)!,
        traceFlags: original.traceFlags,
      };
      const parent = s.parentSpanContext;
      return {
        name: s.name,
        kind: s.kind,
        spanContext: () => context,
        parentSpanContext: parent && {
          ...parent,
          traceId,
          spanId: ids.get(parent.spanId) ?? parent.spanId,
        },
        startTime: shifted(s.startTime, by),
        endTime: shifted(s.endTime, by),
        status: s.status,
        attributes: s.attributes,
        links: s.links,
        events: s.events.map((e): TimedEvent => ({ ...e, time: shifted(e.time, by) })),
        duration: s.duration,
        ended: true,
        resource: s.resource,
        instrumentationScope: s.instrumentationScope,
        droppedAttributesCount: s.droppedAttributesCount,
        droppedEventsCount: s.droppedEventsCount,
        droppedLinksCount: s.droppedLinksCount,
      };
    });
  }
}
