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
import type { AcceptWindow, EncodedRows, Signal } from './signals/signal';

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

  /** Decoded objects stay in here: only the encoded rows wait in the queue. */
  private async prepare<R>(signal: Signal<R>, body: Buffer, format: Format, tenant?: string) {
    const request = decode(signal, body, format);
    await storeCall('could not load the known services', () => this.deps.newNames.ready());
    const converted = signal.convert(request, this.deps.window(), this.deps.newNames.gate());
    const outcome = { rejected: converted.rejected, message: converted.rejectionMessage };
    if (converted.accepted === 0) return { item: null, outcome };
    if (tenant !== undefined) converted.needs.tenant = tenant;
    const ids = await this.resolve(converted.needs);
    const ready = signal.ready?.bind(signal);
    if (ready) await storeCall(`could not load the ${signal.name} state`, ready);
    const rollups = new Rollups();
    const encoded = converted.encode(ids, rollups);
    if (encoded.durable) await storeCall('could not save log templates', encoded.durable);
    return { item: writeItem(encoded, rollups), outcome };
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

function decode<R>(signal: Signal<R>, body: Buffer, format: Format): R {
  try {
    if (format === 'protobuf') return signal.decode(body);
    const json: unknown = JSON.parse(body.length ? body.toString('utf8') : '{}');
    if (json === null || typeof json !== 'object' || Array.isArray(json))
      throw new Error('the body is not a JSON object');
    return signal.fromJson(prepareOtlpJson(json) as Record<string, unknown>);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InvalidRequestError(`malformed ${format} ${signal.name} request: ${reason}`);
  }
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
