import type { ExportResult } from '@opentelemetry/core';
import type { Histogram } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Context as ActivityContext } from '@temporalio/activity';
import type {
  ActivityInboundCallsInterceptor,
  ActivityExecuteInput,
  Next,
} from '@temporalio/worker';
import type { InjectedSinks } from '@temporalio/worker';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { EngineTelemetry } from './engine-telemetry';

/** The workflow interceptors module `npm run build` puts into the workflow bundle. */
export const workflowTracingModule =
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/**
 * Workflow spans come out of the sandbox in the OpenTelemetry 1.x shape the interceptors
 * package is built on (`instrumentationLibrary`, `parentSpanId`); our 2.x exporters read
 * `instrumentationScope` and `parentSpanContext`.
 */
function toCurrentSpanShape(span: ReadableSpan): ReadableSpan {
  const legacy = span as ReadableSpan & {
    instrumentationLibrary?: ReadableSpan['instrumentationScope'];
    parentSpanId?: string;
  };
  const context = span.spanContext();
  return {
    ...span,
    spanContext: () => context,
    instrumentationScope: span.instrumentationScope ?? legacy.instrumentationLibrary,
    parentSpanContext:
      span.parentSpanContext ??
      (legacy.parentSpanId
        ? { traceId: context.traceId, spanId: legacy.parentSpanId, traceFlags: context.traceFlags }
        : undefined),
  };
}

function workflowSpanExporter(target: SpanExporter | undefined): SpanExporter {
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      if (!target) return done({ code: 0 });
      target.export(spans.map(toCurrentSpanShape), done);
    },
    shutdown: async () => undefined,
  };
}

/** Activity durations by type and outcome (the detection pass latency among them). */
class ActivityDurationInterceptor implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly ctx: ActivityContext,
    private readonly duration: Histogram,
  ) {}

  async execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ) {
    const started = performance.now();
    const activity = this.ctx.info.activityType;
    try {
      const result: unknown = await next(input);
      this.duration.record((performance.now() - started) / 1000, {
        activity,
        outcome: 'completed',
      });
      return result;
    } catch (err) {
      this.duration.record((performance.now() - started) / 1000, { activity, outcome: 'failed' });
      throw err;
    }
  }
}

/**
 * Worker options for the engine's traces and metrics: Temporal's OpenTelemetry interceptors on
 * activities, the sink its workflow interceptors export through (always registered: the built
 * bundle carries those interceptors), and activity durations.
 */
export function workerTelemetryOptions(telemetry: EngineTelemetry | undefined) {
  const duration = telemetry?.meter.createHistogram('aiops.activity.duration', {
    unit: 's',
    description: 'Time an activity attempt takes, by activity type and outcome',
  });
  const sinks: InjectedSinks<OpenTelemetrySinks> = {
    // The package types its arguments with OpenTelemetry 1.x; workflowSpanExporter converts.
    exporter: makeWorkflowExporter(
      workflowSpanExporter(telemetry?.spanExporter) as never,
      telemetry?.resource as never,
    ),
  };
  return {
    sinks,
    interceptors: {
      activity: [
        (ctx: ActivityContext) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
        ...(duration
          ? [
              (ctx: ActivityContext) => ({
                inbound: new ActivityDurationInterceptor(ctx, duration),
              }),
            ]
          : []),
      ],
    },
  };
}
