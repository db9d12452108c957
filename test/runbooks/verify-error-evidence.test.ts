import { describe, expect, it } from 'vitest';
import { symptomBounds } from '../../runbooks/sdk/symptom-bounds';
import type { ServiceHealth } from '../../runbooks/sdk/types';
import { errorEvidenceLevel, errorsOverBound, verdictOf } from '../../runbooks/sdk/verify';

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

describe('an error bound weighs how many requests the check read', () => {
  it('states its level: a tail probability below 5%', () => {
    expect(errorEvidenceLevel).toBe(0.05);
    expect(symptomBound).toBeCloseTo(0.0145, 4);
  });

  it("1 failure in 50 (2%) is within the symptom's 1.45% bound; by the rate alone it was not", () => {
    expect(errorsOverBound(reading(1, 50), symptomBound, 'evidence')).toBe(false);
    expect(errorsOverBound(reading(1, 50), symptomBound, 'rate')).toBe(true);
    expect(verdictOf(reading(1, 50), { maxErrorRate: symptomBound }, 'evidence').kind).toBe(
      'recovered',
    );
  });

  it("5 failures in 50 (10%, a fault still failing) are over the symptom's bound in one check", () => {
    expect(errorsOverBound(reading(5, 50), symptomBound, 'evidence')).toBe(true);
    expect(verdictOf(reading(5, 50), { maxErrorRate: symptomBound }, 'evidence')).toEqual({
      kind: 'not_recovered',
      detail: '50 requests, error rate 10.0%, p95 4 ms',
    });
  });

  it("the author's 5% gets the same test: 3 of 50 (6%) within it, 8 of 50 (16%) over it", () => {
    expect(errorsOverBound(reading(3, 50), authorBound, 'evidence')).toBe(false);
    expect(errorsOverBound(reading(3, 50), authorBound, 'rate')).toBe(true);
    expect(errorsOverBound(reading(8, 50), authorBound, 'evidence')).toBe(true);
    // The default bound is the author's 5% too.
    expect(verdictOf(reading(3, 50), {}, 'evidence').kind).toBe('recovered');
    expect(verdictOf(reading(8, 50), {}, 'evidence').kind).toBe('not_recovered');
  });

  it('at the 5% level, 5 of 50 against 5% (tail 10%) is within it and 6 of 50 (tail 3.8%) over it', () => {
    expect(errorsOverBound(reading(5, 50), authorBound, 'evidence')).toBe(false);
    expect(errorsOverBound(reading(6, 50), authorBound, 'evidence')).toBe(true);
  });

  it('many requests hold the rate close to its bound: 2% of 5000 is over 1.45%', () => {
    expect(errorsOverBound(reading(100, 5000), symptomBound, 'evidence')).toBe(true);
  });

  it('a reading at or under its bound is within it by either rule, and a zero bound allows no failure', () => {
    for (const rule of ['rate', 'evidence'] as const) {
      expect(errorsOverBound(reading(0, 50), symptomBound, rule)).toBe(false);
      expect(errorsOverBound(reading(1, 100), authorBound, rule)).toBe(false);
      expect(errorsOverBound(reading(1, 1000), 0, rule)).toBe(true);
      expect(errorsOverBound(reading(0, 1000), 0, rule)).toBe(false);
    }
  });

  it('too few requests still cannot tell, whatever their failures', () => {
    expect(verdictOf(reading(5, 10), {}, 'evidence').kind).toBe('cannot_tell');
  });
});
