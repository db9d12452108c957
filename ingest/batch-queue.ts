import type { CopyRows } from '../store/telemetry-copy';
import { Rollups } from '../store/telemetry-rollups';
import type { TelemetryBatch } from '../store/telemetry-writer';
import { OverloadedError, ShuttingDownError, StoreUnavailableError } from './errors';

/** What one accepted request (or one edge sweep) hands to the queue. */
export interface WriteItem {
  spans: CopyRows | null;
  logs: CopyRows | null;
  metricPoints: CopyRows | null;
  rollups: Rollups;
  minUs: number;
  maxUs: number;
  bytes: number;
}

/** Memory a request holds from admission until its data is committed (or it failed). */
export interface Reservation {
  resize(bytes: number): void;
  release(): void;
}

export interface BatchQueueOptions {
  /** Commits one batch in one transaction (TelemetryWriter.write). */
  write(batch: TelemetryBatch): Promise<void>;
  /** Bound on memory held by admitted requests; past it, new requests are pushed back. */
  maxBytes: number;
  /** A flush takes pending items up to about this many bytes. */
  batchBytes: number;
  /** Flushes in flight at once (each on its own connection). */
  concurrency: number;
  /** How long items may wait for a fuller batch while another flush is running. */
  lingerMs: number;
  onError(err: unknown): void;
}

interface Pending {
  item: WriteItem;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * The bounded queue between receivers and PostgreSQL. Requests reserve memory on admission
 * (refused with OverloadedError when the bound is reached, so memory stays flat under
 * overload and the client retries), then wait until their rows are committed: the promise
 * of `submit` resolves only after COMMIT, which is when the receiver may acknowledge.
 * Idle, a flush starts at once (low latency); busy, items accumulate into larger batches.
 */
export class BatchQueue {
  private reservedBytes = 0;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private inFlight = 0;
  private lingerTimer: NodeJS.Timeout | null = null;
  private lingerExpired = false;
  private closing = false;
  private readonly idle: (() => void)[] = [];

  constructor(private readonly opts: BatchQueueOptions) {}

  get bytes(): number {
    return this.reservedBytes;
  }

  hasRoom(): boolean {
    return !this.closing && this.reservedBytes < this.opts.maxBytes;
  }

  /** Admits a request of `bytes`, or refuses it. An empty queue admits any single request. */
  reserve(bytes: number): Reservation {
    if (this.closing) throw new ShuttingDownError('the receiver is shutting down; retry');
    if (this.reservedBytes > 0 && this.reservedBytes + bytes > this.opts.maxBytes)
      throw new OverloadedError(
        `ingest queue full (${this.reservedBytes} of ${this.opts.maxBytes} bytes); retry later`,
      );
    this.reservedBytes += bytes;
    let held = bytes;
    return {
      resize: (n) => {
        this.reservedBytes += n - held;
        held = n;
      },
      release: () => {
        this.reservedBytes -= held;
        held = 0;
      },
    };
  }

  /** Resolves once the item is committed; rejects with StoreUnavailableError otherwise. */
  submit(item: WriteItem): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.pendingBytes += item.bytes;
      this.schedule();
    });
  }

  /** Stops admitting, flushes everything pending and resolves when the last flush ends. */
  async close(): Promise<void> {
    this.closing = true;
    this.schedule();
    if (this.inFlight === 0 && this.pending.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    while (this.pending.length > 0 && this.inFlight < this.opts.concurrency) {
      const full = this.pendingBytes >= this.opts.batchBytes;
      if (this.inFlight > 0 && !full && !this.closing && !this.lingerExpired) break;
      this.lingerExpired = false;
      void this.flush(this.take());
    }
    if (this.pending.length > 0 && !this.lingerTimer) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = null;
        this.lingerExpired = true;
        this.schedule();
      }, this.opts.lingerMs);
    }
    if (this.pending.length === 0 && this.inFlight === 0) {
      if (this.lingerTimer) clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
      for (const done of this.idle.splice(0)) done();
    }
  }

  private take(): Pending[] {
    const batch: Pending[] = [];
    let bytes = 0;
    while (this.pending.length > 0 && (batch.length === 0 || bytes < this.opts.batchBytes)) {
      const next = this.pending.shift()!;
      bytes += next.item.bytes;
      batch.push(next);
    }
    this.pendingBytes -= bytes;
    return batch;
  }

  private async flush(batch: Pending[]): Promise<void> {
    this.inFlight++;
    try {
      await this.opts.write(toBatch(batch.map((p) => p.item)));
      for (const p of batch) p.resolve();
    } catch (err) {
      this.opts.onError(err);
      // One bad request must not fail the others: retry them one by one.
      for (const p of batch) {
        if (batch.length === 1) {
          p.reject(unavailable(err));
          continue;
        }
        try {
          await this.opts.write(toBatch([p.item]));
          p.resolve();
        } catch (single) {
          this.opts.onError(single);
          p.reject(unavailable(single));
        }
      }
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}

function unavailable(err: unknown): StoreUnavailableError {
  const reason = err instanceof Error ? err.message : String(err);
  return new StoreUnavailableError(`could not store the data (${reason}); retry`);
}

function toBatch(items: WriteItem[]): TelemetryBatch {
  const only = items.length === 1 ? items[0] : undefined;
  const rollups = only ? only.rollups : new Rollups();
  if (!only) for (const item of items) rollups.merge(item.rollups);
  const rows = (pick: (i: WriteItem) => CopyRows | null) =>
    items.map(pick).filter((r): r is CopyRows => r !== null && r.rows > 0);
  return {
    spans: rows((i) => i.spans),
    logs: rows((i) => i.logs),
    metricPoints: rows((i) => i.metricPoints),
    rollups,
    minUs: Math.min(...items.map((i) => i.minUs)),
    maxUs: Math.max(...items.map((i) => i.maxUs)),
  };
}
