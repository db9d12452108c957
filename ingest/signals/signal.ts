import { CopyEncoder, type CopyRows } from '../../store/telemetry-copy';
import type { DictionaryNeeds, ResolvedIds } from '../../store/telemetry-dictionaries';
import type { Rollups } from '../../store/telemetry-rollups';
import type { NameGate } from '../new-names';
import type { InstrumentationScope, Resource } from '../otlp';
import { describeResource, sourceEntry, type ResourceContext } from './resource';

/** Times a row may carry (Unix µs): older rows would land in dropped partitions. */
export interface AcceptWindow {
  minUs: number;
  maxUs: number;
  /** Receive time: stands in for a log record that carries no time at all. */
  nowUs: number;
}

/** Rows of one raw table produced by one request, with their time range. */
export interface EncodedRows {
  table: 'spans' | 'logs' | 'metricPoints';
  rows: CopyRows;
  minUs: number;
  maxUs: number;
  /** What must be durable before these rows may commit (ids the rows refer to). */
  durable?: () => Promise<void>;
}

/** A decoded request turned into rows that only wait for dictionary ids. */
export interface ConvertedRequest {
  accepted: number;
  /** Items rejected and why, for the partial-success response. */
  rejections: Rejections;
  needs: DictionaryNeeds;
  /** Encodes the accepted rows with their ids and adds their rollup increments. */
  encode(ids: ResolvedIds, rollups: Rollups): EncodedRows;
}

/** Everything the transports need to know about one OTLP signal (traces, metrics, logs). */
export interface Signal<Request = unknown> {
  name: 'traces' | 'metrics' | 'logs';
  httpPath: string;
  grpcPath: string;
  /**
   * The request in parts, each converted and encoded before the next is asked for: a signal
   * whose requests can be large yields them lazily, so their decoded objects never all exist.
   */
  decode(body: Uint8Array): Iterable<Request>;
  /** OTLP/JSON, after ids were turned from hex into bytes (see otlp-json.ts). */
  fromJson(json: Record<string, unknown>): Iterable<Request>;
  /** Items whose new service or operation `names` refuses are rejected, needing no id. */
  convert(request: Request, window: AcceptWindow, names: NameGate): ConvertedRequest;
  /** State the signal needs from the store before it can encode (loaded once). */
  ready?(): Promise<void>;
  /** The Export response; partial success only when something was rejected. */
  response(rejected: number, message: string, format: 'protobuf' | 'json'): Buffer;
}

export const newNeeds = (): DictionaryNeeds => ({
  services: new Set(),
  operations: [],
  metrics: [],
  sources: [],
});

interface ResourceBlock {
  resource?: Resource | null;
  schemaUrl?: string | null;
}
interface ScopeBlock {
  scope?: InstrumentationScope | null;
  schemaUrl?: string | null;
}

/**
 * The resource → scope walk every signal shares. `add` turns one scope block's items into
 * drafts; the block's source and service are needed only when it contributed a draft.
 */
export function walkScopes<R extends ResourceBlock, S extends ScopeBlock>(
  resources: readonly R[] | null | undefined,
  scopesOf: (block: R) => readonly S[] | null | undefined,
  drafts: readonly unknown[],
  needs: DictionaryNeeds,
  add: (block: S, resource: ResourceContext, sourceKey: string) => void,
): void {
  for (const rb of resources ?? []) {
    const resource = describeResource(rb.resource, rb.schemaUrl);
    for (const sb of scopesOf(rb) ?? []) {
      const source = sourceEntry(resource, sb.scope, sb.schemaUrl);
      const before = drafts.length;
      add(sb, resource, source.key);
      if (drafts.length > before) {
        needs.sources.push(source);
        needs.services.add(resource.serviceName);
      }
    }
  }
}

/**
 * Encodes drafts as COPY rows with their time range. `encodeOne` fills in a draft's ids,
 * writes its row, adds its rollups and returns the row's time (Unix µs).
 */
export function encodeDrafts<D>(
  table: EncodedRows['table'],
  drafts: readonly D[],
  bytesPerRow: number,
  encodeOne: (encoder: CopyEncoder, draft: D) => number,
): EncodedRows {
  // Chunks about as large as the request's rows (4 KiB to 1 MiB): usually a single one.
  const encoder = new CopyEncoder(Math.min(1 << 20, Math.max(4096, drafts.length * bytesPerRow)));
  let minUs = Infinity;
  let maxUs = -Infinity;
  for (const d of drafts) {
    const us = encodeOne(encoder, d);
    if (us < minUs) minUs = us;
    if (us > maxUs) maxUs = us;
  }
  return { table, rows: encoder.finish(), minUs, maxUs };
}

/** Counts rejected items per reason for the partial-success message. */
export class Rejections {
  private readonly reasons = new Map<string, number>();
  count = 0;

  constructor(private readonly itemName: 'spans' | 'data points' | 'log records') {}

  add(reason: string, n = 1): void {
    this.count += n;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + n);
  }

  /** Adds another part's rejections of the same request. */
  merge(other: Rejections): this {
    for (const [reason, n] of other.reasons) this.add(reason, n);
    return this;
  }

  /** Why items were rejected ('' when none). */
  message(): string {
    return [...this.reasons]
      .map(([reason, n]) => `${n} ${this.itemName} rejected: ${reason}`)
      .join('; ');
  }
}

/** Rows of one table from the parts of one request, as one. */
export function appendRows(into: EncodedRows | null, more: EncodedRows): EncodedRows {
  if (!into) return more;
  return {
    table: into.table,
    rows: {
      chunks: into.rows.chunks.concat(more.rows.chunks),
      rows: into.rows.rows + more.rows.rows,
      bytes: into.rows.bytes + more.rows.bytes,
    },
    minUs: Math.min(into.minUs, more.minUs),
    maxUs: Math.max(into.maxUs, more.maxUs),
  };
}

/** An id is valid when it has its exact length and is not all zeroes (OTLP spec). */
export function isValidId(id: Uint8Array | null | undefined, length: number): id is Uint8Array {
  if (!id || id.length !== length) return false;
  for (let i = 0; i < length; i++) if (id[i] !== 0) return true;
  return false;
}

/** Encodes a response: JSON maps unset partial success to `{}`, like protobuf's empty message. */
export function exportResponse(
  encode: (message: object) => Uint8Array,
  partialSuccess: Record<string, unknown> | null,
  format: 'protobuf' | 'json',
): Buffer {
  const message = partialSuccess ? { partialSuccess } : {};
  if (format === 'json') return Buffer.from(JSON.stringify(message));
  const bytes = encode(message);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
