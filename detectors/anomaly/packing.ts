/**
 * Long windows of values in a detector's state, packed as base64 floats: a third (single
 * precision) or a half (double) of their size as JSON numbers. The windows packed as singles
 * hold single-precision values only (`toSingle` on the way in: 7 significant digits, more than
 * any telemetry carries), so packing loses nothing and a restored detector scores exactly as
 * the one it was saved from.
 */

export const toSingle = Math.fround;

export const packSingles = (values: readonly number[]): string => pack(values, 4);
export const unpackSingles = (packed: string): number[] => unpack(packed, 4);
export const packDoubles = (values: readonly number[]): string => pack(values, 8);
export const unpackDoubles = (packed: string): number[] => unpack(packed, 8);

function pack(values: readonly number[], width: 4 | 8): string {
  const view = new DataView(new ArrayBuffer(width * values.length));
  values.forEach((v, i) =>
    width === 4 ? view.setFloat32(4 * i, v, true) : view.setFloat64(8 * i, v, true),
  );
  return Buffer.from(view.buffer).toString('base64');
}

function unpack(packed: string, width: 4 | 8): number[] {
  const bytes = Buffer.from(packed, 'base64');
  if (bytes.length % width !== 0) throw new Error('packed window is not a whole number of floats');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return Array.from({ length: bytes.length / width }, (_, i) =>
    width === 4 ? view.getFloat32(4 * i, true) : view.getFloat64(8 * i, true),
  );
}
