import type {
  ResolvedIds,
  TelemetryDictionaries,
  DictionaryNeeds,
} from '../store/telemetry-dictionaries';
import { Rollups } from '../store/telemetry-rollups';
import type { Admission } from './admission';
import type { BatchQueue, WriteItem } from './batch-queue';
import { InvalidRequestError, StoreUnavailableError } from './errors';
import type { NewNames } from './new-names';
import { prepareOtlpJson } from './otlp-json';
import {
  appendRows,
  type AcceptWindow,
  type EncodedRows,
  type Rejections,
  type Signal,
} from './signals/signal';

export type Format = 'protobuf' | 'json';

export interface ExportOutcome {
  rejected: number;
  message: string;
}

export interface IngestPipelineDeps {
  queue: BatchQueue;
  admission: Admission;
  dictionaries: TelemetryDictionaries;
  /** The cap on new services and operations per minute. */
  newNames: NewNames;
  window(): AcceptWindow;
}

/** Memory a rollup entry holds (its dense latency histogram dominates). */
const rollupEntryBytes = 600;

/**
 * One export, whatever the transport: admit → decode → convert → resolve ids → encode →
 * wait for COMMIT. Resolves with the partial-success outcome only once the accepted data is
 * durable; every failure is an ExportError the transport maps to its status code.
 */
export class IngestPipeline {
  constructor(private readonly deps: IngestPipelineDeps) {}

  hasRoom(): boolean {
    return this.deps.queue.hasRoom();
  }

  async export<R>(
    signal: Signal<R>,
    body: Buffer,
    format: Format,
    tenant?: string,
  ): Promise<ExportOutcome> {
    const reservation = this.deps.queue.reserve(body.length);
    try {
      const { item, outcome } = await this.deps.admission.decode(() =>
        this.prepare(signal, body, format, tenant),
      );
      if (item) {
        reservation.resize(item.bytes);
        await this.deps.queue.submit(item);
      }
      return outcome;
    } finally {
      reservation.release();
    }
  }

  /**
   * Decoded objects stay in here: only the encoded rows wait in the queue. The request is
   * converted part by part as it is decoded, so a large one never has all its items as
   * objects at once. Nothing is queued until every part is encoded: a malformed part refuses
   * the whole request, storing none of its rows (new names of its earlier parts may stay in
   * the dictionaries, within the new-name caps).
   */
  private async prepare<R>(signal: Signal<R>, body: Buffer, format: Format, tenant?: string) {
    await storeCall('could not load the known services', () => this.deps.newNames.ready());
    const ready = signal.ready?.bind(signal);
    if (ready) await storeCall(`could not load the ${signal.name} state`, ready);
    const names = this.deps.newNames.gate();
    const rollups = new Rollups();
    let rows = null as EncodedRows | null;
    let rejections = null as Rejections | null;
    for (const part of requestParts(signal, body, format)) {
      const converted = signal.convert(part, this.deps.window(), names);
      rejections = rejections?.merge(converted.rejections) ?? converted.rejections;
      if (converted.accepted === 0) continue;
      if (tenant !== undefined) converted.needs.tenant = tenant;
      const encoded = converted.encode(await this.resolve(converted.needs), rollups);
      if (encoded.durable) await storeCall('could not save log templates', encoded.durable);
      rows = appendRows(rows, encoded);
    }
    const outcome = { rejected: rejections?.count ?? 0, message: rejections?.message() ?? '' };
    return { item: rows ? writeItem(rows, rollups) : null, outcome };
  }

  private resolve(needs: DictionaryNeeds): Promise<ResolvedIds> {
    return storeCall('could not resolve names', () => this.deps.dictionaries.resolve(needs));
  }
}

/** A store failure before the rows are queued: the client should retry the whole export. */
async function storeCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new StoreUnavailableError(`${what} (${reason}); retry`);
  }
}

/** The request's parts; a body the signal cannot read is an InvalidRequestError. */
function* requestParts<R>(signal: Signal<R>, body: Buffer, format: Format): Generator<R> {
  const malformed = (err: unknown) => {
    const reason = err instanceof Error ? err.message : String(err);
    return new InvalidRequestError(`malformed ${format} ${signal.name} request: ${reason}`);
  };
  let parts: Iterator<R>;
  try {
    parts = openParts(signal, body, format)[Symbol.iterator]();
  } catch (err) {
    throw malformed(err);
  }
  for (;;) {
    let next: IteratorResult<R>;
    try {
      next = parts.next();
    } catch (err) {
      throw malformed(err);
    }
    if (next.done) return;
    yield next.value;
  }
}

function openParts<R>(signal: Signal<R>, body: Buffer, format: Format): Iterable<R> {
  if (format === 'protobuf') return signal.decode(body);
  const json: unknown = JSON.parse(body.length ? body.toString('utf8') : '{}');
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new Error('the body is not a JSON object');
  return signal.fromJson(prepareOtlpJson(json) as Record<string, unknown>);
}

export function writeItem(encoded: EncodedRows | null, rollups: Rollups): WriteItem {
  return {
    spans: encoded?.table === 'spans' ? encoded.rows : null,
    logs: encoded?.table === 'logs' ? encoded.rows : null,
    metricPoints: encoded?.table === 'metricPoints' ? encoded.rows : null,
    rollups,
    minUs: encoded?.minUs ?? Infinity,
    maxUs: encoded?.maxUs ?? -Infinity,
    bytes: (encoded?.rows.bytes ?? 0) + rollups.size * rollupEntryBytes,
  };
}
