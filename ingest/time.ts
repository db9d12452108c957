import type { Int64 } from './values';

/**
 * OTLP times are fixed64 Unix nanoseconds, beyond a double's exact range. They are split as
 * ns = hi·2^32 + lo = 1000·(hi·4294967) + (hi·296 + lo), which gives exact microseconds (what
 * PostgreSQL stores) with double arithmetic only, for dates up to the year 2255.
 */
export function nanosToMicros(v: Int64 | null | undefined): number {
  if (v == null) return 0;
  if (typeof v === 'number') return Math.floor(v / 1000);
  return halvesToMicros(v.high >>> 0, v.low >>> 0);
}

/** Microseconds of the unsigned nanoseconds hi·2^32 + lo. */
export function halvesToMicros(hi: number, lo: number): number {
  return hi * 4_294_967 + Math.floor((hi * 296 + lo) / 1000);
}

/** Exact decimal nanoseconds (for event and link times kept in JSON). */
export function nanosText(v: Int64 | null | undefined): string {
  if (v == null) return '0';
  if (typeof v === 'number') return String(v);
  return ((BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0)).toString();
}
