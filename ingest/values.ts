import type { AnyValue, KeyValue } from './otlp';

declare global {
  // ES2024, available in Node 20; not in the project's ES2022 lib.
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

/** protobufjs decodes 64-bit integers to Long (this shape) when long.js is present. */
export interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toString(): string;
}
export type Int64 = number | LongLike;

/**
 * Text PostgreSQL accepts: text and jsonb reject NUL, and JSON input may carry lone UTF-16
 * surrogates. Both become U+FFFD, the only alteration made to stored strings.
 */
export function cleanText(s: string): string {
  if (s.includes('\0')) s = s.replaceAll('\0', '\uFFFD');
  return s.isWellFormed() ? s : s.toWellFormed();
}

/**
 * A JSON string literal jsonb accepts. JSON.stringify escapes NUL as \u0000 and lone
 * surrogates as \udXXX, both of which jsonb rejects; only then is the text cleaned first.
 */
export function jsonString(s: string): string {
  const json = JSON.stringify(s);
  return json.includes('\\u0000') || json.includes('\\ud') ? JSON.stringify(cleanText(s)) : json;
}

/** A signed int64 as a safe number when it is one, else its exact decimal text. */
export function int64Text(v: Int64): string {
  if (typeof v === 'number') return String(v);
  if (v.high === 0 && v.low >= 0) return String(v.low);
  if (!v.unsigned && v.high === -1 && v.low < 0) return String(v.low);
  return v.toString();
}

export function int64Number(v: Int64 | null | undefined): number {
  if (v == null) return 0;
  if (typeof v === 'number') return v;
  return (v.unsigned ? v.high >>> 0 : v.high) * 4_294_967_296 + (v.low >>> 0);
}

/** JSON for an attribute value: int64 stays exact (jsonb numbers are arbitrary precision). */
export function anyValueJson(v: AnyValue | null | undefined): string {
  if (!v) return 'null';
  if (v.stringValue != null) return jsonString(v.stringValue);
  if (v.intValue != null) return int64Text(v.intValue);
  if (v.boolValue != null) return v.boolValue ? 'true' : 'false';
  if (v.doubleValue != null)
    return Number.isFinite(v.doubleValue) ? String(v.doubleValue) : `"${v.doubleValue}"`;
  if (v.arrayValue != null) return `[${(v.arrayValue.values ?? []).map(anyValueJson).join(',')}]`;
  if (v.kvlistValue != null) return keyValuesJson(v.kvlistValue.values) ?? '{}';
  if (v.bytesValue != null) return `"${Buffer.from(v.bytesValue).toString('base64')}"`;
  return 'null';
}

/** A JSON object of the attributes, or null when there are none. */
export function keyValuesJson(kvs: readonly KeyValue[] | null | undefined): string | null {
  if (!kvs || kvs.length === 0) return null;
  let json = '{';
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i]!;
    if (i > 0) json += ',';
    json += jsonString(kv.key ?? '') + ':' + anyValueJson(kv.value);
  }
  return json + '}';
}

/** The attribute as plain text (for promoted columns), or null when absent or not scalar. */
export function scalarText(v: AnyValue | null | undefined): string | null {
  if (!v) return null;
  if (v.stringValue != null) return cleanText(v.stringValue);
  if (v.intValue != null) return int64Text(v.intValue);
  if (v.boolValue != null) return String(v.boolValue);
  if (v.doubleValue != null) return String(v.doubleValue);
  return null;
}

export function idHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** A uint32 count (dropped attributes…) for an int4 column: at most 2^31 − 1, null for 0. */
export const countOrNull = (n: number | null | undefined): number | null =>
  n ? Math.min(n, 2_147_483_647) : null;

/** An enum value fits the smallint columns (kind, status, severity) of a well-formed record. */
export const isSmallint = (n: number): boolean => n >= 0 && n <= 32_767;
