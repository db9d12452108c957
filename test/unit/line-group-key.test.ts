import { describe, expect, it } from 'vitest';
import { lineGroupKey } from '../../activities/rca/evidence';

/** The definition the store's SQL groups by (historyLogGroups, rollup_log_lines). */
const byExpression = (body: string) =>
  body.slice(0, 2000).replace(/[0-9a-fA-F]*[0-9][0-9a-fA-F]*/g, '0');

/** A small deterministic generator (mulberry32), so a failure names a reproducible line. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('lineGroupKey', () => {
  it('blanks each hex run holding a digit, as the regular expression does', () => {
    expect(lineGroupKey('GET /order/7f3a9c in 12ms by cafe deadbeef 0x1F')).toBe(
      'GET /order/0 in 0ms by cafe deadbeef 0x0',
    );
    expect(lineGroupKey('')).toBe('');
    expect(lineGroupKey('no digits at all: face bead')).toBe('no digits at all: face bead');
  });

  it('equals the expression on random lines of hex letters, digits and other characters', () => {
    const next = random(13);
    const alphabet = 'abcdefABCDEFghxyzGHXYZ0123456789 -_/:.[]{}"é€😀';
    for (let n = 0; n < 5000; n++) {
      const length = Math.floor(next() * 60);
      let line = '';
      for (let i = 0; i < length; i++) line += alphabet[Math.floor(next() * alphabet.length)];
      expect(lineGroupKey(line), line).toBe(byExpression(line));
    }
  });

  it('keeps the first 2,000 characters, as the store does', () => {
    const long = 'ab12 '.repeat(1000);
    expect(lineGroupKey(long)).toBe('0 '.repeat(400));
    expect(lineGroupKey(long)).toBe(byExpression(long));
  });
});
