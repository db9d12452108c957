import { describe, expect, it } from 'vitest';
import { CopyEncoder } from '../../store/telemetry-copy';

/** The field bytes the encoder wrote for one text or jsonb value (after the 2-byte field count). */
function encoded(write: (e: CopyEncoder) => void): Buffer {
  const e = new CopyEncoder(16);
  e.row(1);
  write(e);
  return Buffer.concat(e.finish().chunks).subarray(2);
}

const field = (bytes: Buffer) => {
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

describe('CopyEncoder text and jsonb', () => {
  const samples = [
    '',
    'checkout',
    'a'.repeat(64),
    'b'.repeat(65),
    'café',
    'x'.repeat(40) + '→' + 'y'.repeat(40),
    '服务-北京',
    'emoji 🚀 done',
  ];

  it('writes every string as its exact UTF-8 bytes, ASCII or not, short or long', () => {
    for (const s of samples) {
      expect(encoded((e) => e.text(s))).toEqual(field(Buffer.from(s, 'utf8')));
      const json = JSON.stringify({ k: s });
      expect(encoded((e) => e.jsonb(json))).toEqual(
        field(Buffer.concat([Buffer.from([1]), Buffer.from(json, 'utf8')])),
      );
    }
  });

  it('keeps rows intact across chunk boundaries', () => {
    const e = new CopyEncoder(16);
    for (const s of samples) {
      e.row(1);
      e.text(s);
    }
    const all = Buffer.concat(e.finish().chunks);
    const expected = Buffer.concat(
      samples.map((s) => Buffer.concat([Buffer.from([0, 1]), field(Buffer.from(s, 'utf8'))])),
    );
    expect(all).toEqual(expected);
  });
});
