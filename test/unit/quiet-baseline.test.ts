import { describe, expect, it } from 'vitest';
import {
  afterLastTrafficGap,
  periodsOfItsServices,
  quietBaselineRule,
  quietBaselineStart,
} from '../../activities/quiet-baseline';

const s = 1_000;
const m = 60 * s;
const fault = 100 * m;
const rule = quietBaselineRule(10 * m);
/** Traffic in every 10-second bucket of [from, to). */
const everyBucket = (from: number, to: number) =>
  Array.from({ length: (to - from) / (10 * s) }, (_, i) => from + i * 10 * s);

describe('the baseline holds quiet traffic, reaching back within bounds', () => {
  it('is the adjacent minutes when no other incident lies in them', () => {
    expect(quietBaselineStart(fault, [], 0, rule)).toBe(fault - 10 * m);
  });

  it('reaches back past the previous fault for as many quiet minutes', () => {
    // The previous fault's incident (with its margins) filled the 4 minutes right before.
    const previous = { from: fault - 4 * m, to: fault };
    expect(quietBaselineStart(fault, [previous], 0, rule)).toBe(fault - 14 * m);
  });

  it('reaches back at most three baselines, keeping what quiet it found there', () => {
    // Incidents every 4 minutes, each filling 3 of them: 1 quiet minute in 4.
    const busy = Array.from({ length: 12 }, (_, i) => ({
      from: fault - (i + 1) * 4 * m,
      to: fault - (i + 1) * 4 * m + 3 * m,
    }));
    busy.push({ from: fault - m, to: fault });
    expect(quietBaselineStart(fault, busy, 0, rule)).toBe(fault - 30 * m);
  });

  it('does not reach past a gap in the traffic, and keeps the adjacent minutes when too little is quiet', () => {
    const previous = { from: fault - 9 * m, to: fault };
    // 5 quiet minutes after a gap: the baseline stops at the gap.
    expect(
      quietBaselineStart(fault, [{ from: fault - 4 * m, to: fault }], fault - 9 * m, rule),
    ).toBe(fault - 9 * m);
    // Under a minute quiet before the gap: the adjacent ten minutes, as before this rule.
    expect(quietBaselineStart(fault, [previous], fault - 9.5 * m, rule)).toBe(fault - 10 * m);
  });
});

describe('a gap in the traffic', () => {
  const range = { from: fault - 30 * m, to: fault };

  it('is none when every bucket had traffic: the reach starts where the range does', () => {
    expect(afterLastTrafficGap(everyBucket(range.from, fault), range, rule)).toBe(range.from);
  });

  it('ends where traffic resumed after a minute or more without any', () => {
    const buckets = [
      ...everyBucket(range.from, fault - 20 * m),
      ...everyBucket(fault - 18 * m, fault),
    ];
    expect(afterLastTrafficGap(buckets, range, rule)).toBe(fault - 18 * m);
    // Half a minute without traffic is a lull, not a gap.
    const lull = [
      ...everyBucket(range.from, fault - 20 * m),
      ...everyBucket(fault - 19.5 * m, fault),
    ];
    expect(afterLastTrafficGap(lull, range, rule)).toBe(range.from);
  });

  it('is right before the fault window when nothing was stored at all', () => {
    expect(afterLastTrafficGap([], range, rule)).toBe(fault);
  });
});

describe("quiet is judged for the incident's services", () => {
  const cpu = { from: 0, to: 1, services: ['basic', 'station'] };
  const delay = { from: 2, to: 3, services: ['food'] };

  it('keeps the other incidents that involved one of its services', () => {
    expect(periodsOfItsServices([cpu, delay], ['food', 'travel'])).toEqual([delay]);
    expect(periodsOfItsServices([cpu, delay], ['auth'])).toEqual([]);
  });

  it('keeps every other incident when it names no services', () => {
    expect(periodsOfItsServices([cpu, delay], undefined)).toEqual([cpu, delay]);
    expect(periodsOfItsServices([cpu, delay], [])).toEqual([cpu, delay]);
  });
});
