import type { BatchQueue } from './batch-queue';
import { IngestPipeline, type ExportOutcome, type Format } from './pipeline';
import type { Signal } from './signals/signal';

/** What the receivers report about their own work (the engine's ingest metrics). */
export interface IngestObserver {
  /** An export was committed; `rejected` of its items were refused (partial success). */
  exported(signal: string, rejected: number): void;
  /** An export was refused as a whole (queue full, too large, malformed, store down). */
  refused(signal: string, reason: string): void;
  /** A write of a batch to PostgreSQL took `seconds`. */
  flushed(seconds: number, ok: boolean): void;
  /** Reads the bytes waiting in the queue whenever the observer wants them. */
  watchQueue(bytes: () => number): void;
}

/** The pipeline, reporting each export's outcome. */
export class ObservedPipeline extends IngestPipeline {
  constructor(
    deps: ConstructorParameters<typeof IngestPipeline>[0],
    private readonly observer: IngestObserver,
  ) {
    super(deps);
  }

  override async export<R>(
    signal: Signal<R>,
    body: Buffer,
    format: Format,
    tenant?: string,
  ): Promise<ExportOutcome> {
    try {
      const outcome = await super.export(signal, body, format, tenant);
      this.observer.exported(signal.name, outcome.rejected);
      return outcome;
    } catch (err) {
      this.observer.refused(signal.name, err instanceof Error ? err.constructor.name : 'unknown');
      throw err;
    }
  }
}

/** Times each batch write. */
export function observedWrite<B>(
  write: (batch: B) => Promise<void>,
  observer: IngestObserver | undefined,
): (batch: B) => Promise<void> {
  if (!observer) return write;
  return async (batch) => {
    const started = performance.now();
    try {
      await write(batch);
      observer.flushed((performance.now() - started) / 1000, true);
    } catch (err) {
      observer.flushed((performance.now() - started) / 1000, false);
      throw err;
    }
  };
}

export function watchQueue(queue: BatchQueue, observer: IngestObserver | undefined): void {
  observer?.watchQueue(() => queue.bytes);
}
