import { exportBatch, type ResourceDecorator } from '../../simulator/otlp-export';
import { liveSimulation } from '../../simulator/simulate';
import type { Fault } from '../../simulator/faults';
import type { TelemetryBatch } from '../../simulator/telemetry';
import type { Topology } from '../../simulator/topology';

export interface LiveTrafficOptions {
  topology: Topology;
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318 (unused with `send`) */
  endpoint: string;
  rps: number;
  seed: number;
  sliceSec?: number;
  /** The faults in effect for a slice (the demo world decides, e.g. a rollback removes one). */
  faultsAt: (sliceStartMs: number) => Fault[];
  /** Resource attributes added to every instance (e.g. its Kubernetes Deployment). */
  decorate?: ResourceDecorator;
  onError?: (err: unknown) => void;
  /** Where each slice goes instead of OTLP to `endpoint` (e.g. a Prometheus exposition). */
  send?: (batch: TelemetryBatch) => Promise<void>;
  onSlice?: (info: { startMs: number; spans: number; logs: number; metrics: number }) => void;
}

/**
 * Streams simulated traffic in real time: at the end of each slice, the slice that just passed
 * is simulated with the faults then in effect and exported as OTLP to the receiver.
 */
export function startLiveTraffic(opts: LiveTrafficOptions): { stop(): Promise<void> } {
  const sliceMs = (opts.sliceSec ?? 10) * 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let simulation: ReturnType<typeof liveSimulation> | undefined;

  async function emit(sliceStart: number) {
    simulation ??= liveSimulation({
      topology: opts.topology,
      seed: opts.seed,
      start: sliceStart,
      rps: opts.rps,
    });
    const batch = simulation.slice(sliceStart, sliceStart + sliceMs, opts.faultsAt(sliceStart));
    await (opts.send ? opts.send(batch) : exportBatch(opts.endpoint, batch, opts.decorate));
    opts.onSlice?.({
      startMs: sliceStart,
      spans: batch.spans.length,
      logs: batch.logs.length,
      metrics: batch.metrics.length,
    });
  }

  function schedule() {
    if (stopped) return;
    const now = Date.now();
    const nextBoundary = Math.ceil((now + 1) / sliceMs) * sliceMs;
    timer = setTimeout(
      () => {
        inFlight = emit(nextBoundary - sliceMs).catch((err: unknown) => opts.onError?.(err));
        schedule();
      },
      nextBoundary - now + 200,
    );
  }
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
