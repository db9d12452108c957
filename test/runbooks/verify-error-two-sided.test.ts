import { describe, expect, it } from 'vitest';
import {
  errorEvidenceLevel,
  errorStanding,
  rateRule,
  recoveredLevel,
  type ErrorRule,
} from '../../runbooks/sdk/error-evidence';
import { symptomBounds } from '../../runbooks/sdk/symptom-bounds';
import type { ServiceHealth } from '../../runbooks/sdk/types';
import { verdictOf } from '../../runbooks/sdk/verify';

const reading = (failures: number, requests: number): ServiceHealth => ({
  service: 'payments',
  requests,
  errorRate: requests ? failures / requests : 0,
  p95LatencyMs: 4,
  from: '2026-12-05T09:48:00Z',
  to: '2026-12-05T09:49:00Z',
});

/** An errors incident's bound from a baseline of 2 failures in 442 requests (0.45%): 1.45%. */
const symptomBound = symptomBounds(reading(2, 442), ['errors']).maxErrorRate!;
/** The runbook's own bound when its author sets none. */
const authorBound = 0.05;
/** A runbook's default verification: 10 minutes, a check every 15 s. */
const level = recoveredLevel(40);
const afterFault = (faultErrorRate: number): ErrorRule => ({
  kind: 'two-sided',
  faultErrorRate,
  recoveredLevel: level,
});
const faultUnknown: ErrorRule = { kind: 'two-sided', recoveredLevel: level };

/** Failures of `requests` requests each failing with probability `rate`, from a seeded stream. */
function seededReadings(seed: number, rate: number, requests: number, count: number) {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return Array.from({ length: count }, () => {
    let failures = 0;
    for (let i = 0; i < requests; i++) if (next() < rate) failures++;
    return reading(failures, requests);
  });
}

describe('over the bound: only on evidence at its rate', () => {
  it('states its levels: 5% for "over", and 5% spread over the checks for "recovered"', () => {
    expect(errorEvidenceLevel).toBe(0.05);
    expect(level).toBeCloseTo(0.00125, 6);
    expect(recoveredLevel(0)).toBe(0.05);
    expect(symptomBound).toBeCloseTo(0.0145, 4);
  });

  it("5 failures in 50 (10%) are over the symptom's 1.45% bound in one check", () => {
    expect(errorStanding(reading(5, 50), symptomBound, afterFault(0.3))).toBe('over');
    expect(verdictOf(reading(5, 50), { maxErrorRate: symptomBound }, afterFault(0.3))).toEqual({
      kind: 'not_recovered',
      detail: '50 requests, error rate 10.0%, p95 4 ms',
    });
  });

  it("the author's 5% gets the same test: 8 of 50 over it, 3 of 50 not", () => {
    expect(errorStanding(reading(8, 50), authorBound, faultUnknown)).toBe('over');
    expect(errorStanding(reading(3, 50), authorBound, faultUnknown)).not.toBe('over');
    expect(errorStanding(reading(6, 50), authorBound, faultUnknown)).toBe('over');
    expect(errorStanding(reading(5, 50), authorBound, faultUnknown)).not.toBe('over');
  });

  it('many requests hold the rate close to its bound: 2% of 5000 is over 1.45%', () => {
    expect(errorStanding(reading(100, 5000), symptomBound, afterFault(0.3))).toBe('over');
  });

  it('a zero bound allows no failure', () => {
    expect(errorStanding(reading(1, 1000), 0, faultUnknown)).toBe('over');
    expect(errorStanding(reading(0, 1000), 0, faultUnknown)).toBe('within');
  });
});

describe('recovered: only away from the fault', () => {
  it('a clean 50-request reading after a fault at 30% is recovered at once', () => {
    expect(verdictOf(reading(0, 50), { maxErrorRate: symptomBound }, afterFault(0.3)).kind).toBe(
      'recovered',
    );
    // 1 of 50 (2%) is over 1.45% by its rate, but likely at it and unlikely at 30%.
    expect(verdictOf(reading(1, 50), { maxErrorRate: symptomBound }, afterFault(0.3)).kind).toBe(
      'recovered',
    );
  });

  it("a fix that left errors at the fault's 10% never verifies over 2000 seeded 50-request checks", () => {
    const readings = seededReadings(20261205, 0.1, 50, 2000);
    const recovered = (rule: ErrorRule) =>
      readings.filter(
        (h) => verdictOf(h, { maxErrorRate: symptomBound }, rule).kind === 'recovered',
      ).length;
    expect(recovered(afterFault(0.1))).toBe(0);
    // By the rate alone (before), a clean check now and then read recovered.
    expect(recovered(rateRule)).toBeGreaterThan(0);
    // By e2e14's one-sided rule, every check not over the bound did.
    const notOver = readings.filter(
      (h) => errorStanding(h, symptomBound, afterFault(0.1)) !== 'over',
    ).length;
    expect(notOver).toBeGreaterThan(100);
  });

  it('a reading between the two sides cannot tell: 2 of 50 after a fault at 10%', () => {
    // Not over 1.45% (tail 0.16), and likely at 10% (tail 0.11).
    expect(errorStanding(reading(2, 50), symptomBound, afterFault(0.1))).toBe('unclear');
    expect(verdictOf(reading(2, 50), { maxErrorRate: symptomBound }, afterFault(0.1))).toEqual({
      kind: 'cannot_tell',
      detail:
        '50 requests, error rate 4.0%, p95 4 ms; its errors show neither that the fault goes on nor that it is gone',
    });
    // More traffic decides it: 2 of 200 is unlikely at 10%.
    expect(verdictOf(reading(2, 200), { maxErrorRate: symptomBound }, afterFault(0.1)).kind).toBe(
      'recovered',
    );
  });

  it('without a fault rate above the bound, recovered only when the rate is within it', () => {
    expect(errorStanding(reading(0, 50), symptomBound, faultUnknown)).toBe('within');
    expect(errorStanding(reading(1, 50), symptomBound, faultUnknown)).toBe('unclear');
    expect(errorStanding(reading(0, 50), symptomBound, afterFault(0.01))).toBe('within');
    expect(errorStanding(reading(1, 50), symptomBound, afterFault(0.01))).toBe('unclear');
  });

  it('by the rate rule (runs started before) there is no middle', () => {
    expect(errorStanding(reading(1, 50), symptomBound, rateRule)).toBe('over');
    expect(errorStanding(reading(0, 50), symptomBound, rateRule)).toBe('within');
  });

  it('too few requests still cannot tell, whatever their failures', () => {
    expect(verdictOf(reading(5, 10), {}, afterFault(0.3)).kind).toBe('cannot_tell');
  });

  it('a reading over its latency bound is not recovered, whatever its errors', () => {
    expect(
      verdictOf(reading(0, 50), { maxErrorRate: symptomBound, maxP95LatencyMs: 3 }, afterFault(0.3))
        .kind,
    ).toBe('not_recovered');
  });
});
