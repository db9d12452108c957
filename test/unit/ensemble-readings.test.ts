import { describe, expect, it } from 'vitest';
import { createDetector } from '../../detectors/anomaly/config';
import { Prng } from '../../detectors/anomaly/prng';

describe('ensemble member readings', () => {
  it('names the member behind a rarity, and reads nothing for a point it cannot score', () => {
    const detector = createDetector();
    const prng = new Prng(11);
    for (let i = 0; i < 900; i++) detector.judge(100 + prng.next());
    // Far past every value seen: the range breakout states the rarity itself.
    const { rarity } = detector.judge(150);
    expect(rarity).toBeGreaterThan(0.6);
    const readings = detector.readings();
    expect(readings.breakout).toBe(rarity);
    expect(Math.max(...Object.values(readings))).toBe(rarity);
    // An ordinary point: no reading above the rarity's Bonferroni-free maximum, none negative.
    const ordinary = detector.judge(100.5);
    const values = Object.values(detector.readings());
    expect(values.every((v) => v >= 0)).toBe(true);
    expect(ordinary.rarity).toBeLessThanOrEqual(Math.max(...values));
    detector.judge(Number.NaN);
    expect(Object.values(detector.readings()).every((v) => v === 0)).toBe(true);
  });
});
