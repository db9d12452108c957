/**
 * Long windows of values in a detector's state, packed as base64 single-precision floats: a
 * third of their size as JSON numbers. The windows that are packed hold single-precision values
 * only (`toSingle` on the way in: 7 significant digits, more than any telemetry carries), so
 * packing loses nothing and a restored detector scores exactly as the one it was saved from.
 */

export const toSingle = Math.fround;

export function packSingles(values: readonly number[]): string {
  const view = new DataView(new ArrayBuffer(4 * values.length));
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return Buffer.from(view.buffer).toString('base64');
}

export function unpackSingles(packed: string): number[] {
  const bytes = Buffer.from(packed, 'base64');
  if (bytes.length % 4 !== 0) throw new Error('packed window is not a whole number of floats');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(4 * i, true));
}
