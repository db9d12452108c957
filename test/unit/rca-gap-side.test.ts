/**
 * A call edge's gap belongs to the end that shows it on its other edges too: a starved caller
 * (CPU) waits longer on every callee, a callee with a slow network makes every caller wait.
 */
import { describe, expect, it } from 'vitest';
import { baro } from '../../activities/rca/baro';
import type { EdgeSeries, Evidence } from '../../activities/rca/evidence';
import { gapSides } from '../../activities/rca/signals';
import { baselineBuckets, bucketCount, jittered, redSeries, windowEvidence } from '../rca-window';

/** An edge whose gap is 1 ms with a little jitter, and `faultGap` ms from the fault on. */
function edge(caller: string, callee: string, faultGap: number): EdgeSeries {
  const gapMs = Array.from({ length: bucketCount }, (_, b) =>
    b < baselineBuckets ? 1 + (b % 3) * 0.05 : faultGap + (b % 2) * 0.05,
  );
  return {
    caller,
    callee,
    client: redSeries(jittered(5), 10),
    gapMs,
    gapMsByInstance: {},
    unanswered: gapMs.map(() => 0),
  };
}

function evidence(edges: EdgeSeries[]): Evidence {
  const services = [...new Set(edges.flatMap((e) => [e.caller, e.callee]))].sort();
  return windowEvidence({
    services,
    operations: services.map((service) => ({
      service,
      operation: 'GET /',
      red: redSeries(jittered(5), 10),
    })),
    edges,
  });
}

describe('the side of a network gap', () => {
  it('blames a caller that waits longer on every callee, not the callees', () => {
    const ev = evidence([
      edge('frontend', 'ads', 40),
      edge('frontend', 'cart', 30),
      edge('frontend', 'shipping', 35),
      edge('checkout', 'cart', 1),
      edge('checkout', 'shipping', 1),
    ]);
    expect(baro.rank(ev)[0]?.service).toBe('frontend');
  });

  it('blames a callee every caller waits longer on', () => {
    const ev = evidence([
      edge('frontend', 'cart', 40),
      edge('checkout', 'cart', 35),
      edge('frontend', 'ads', 1),
      edge('checkout', 'payment', 1),
    ]);
    expect(baro.rank(ev)[0]?.service).toBe('cart');
  });

  it('keeps a gap on the callee when the caller shows far less on its other edges', () => {
    // A leaf callee has no other edge to show it on; a caller's slight wobble elsewhere is not it.
    expect(gapSides(edges, [500, 40, 2, 1, 1, 1])[0]).toBe('email');
    // The same wobble, of a like size, is the caller's.
    expect(gapSides(edges, [500, 300, 2, 1, 1, 1]).slice(0, 2)).toEqual(['checkout', 'checkout']);
  });

  it("counts a like z on the caller's other edges only when the gap rose a like amount", () => {
    const frontend = [
      { caller: 'frontend', callee: 'currency' },
      { caller: 'frontend', callee: 'cart' },
      { caller: 'frontend', callee: 'recommendation' },
      { caller: 'checkout', callee: 'payment' },
      { caller: 'checkout', callee: 'email' },
      { caller: 'checkout', callee: 'shipping' },
      { caller: 'frontend', callee: 'ads' },
    ];
    const z = [70, 28, 20, 1, 1, 1, 1];
    // A steady 3 ms gap standing out at 7 ms is no share of currency's 640 ms.
    expect(gapSides(frontend, z, undefined, undefined, [640, 4, 2, 0, 0, 0, 0])[0]).toBe(
      'currency',
    );
    // Frontend waiting hundreds of ms longer on cart too is frontend's.
    expect(gapSides(frontend, z, undefined, undefined, [640, 400, 2, 0, 0, 0, 0])[0]).toBe(
      'frontend',
    );
  });

  it("ranks a callee first whose gap rose far more than its caller's others did", () => {
    // Currency's gap is noisy (60–100 ms) and rises to about 1 s; frontend's to cart and to
    // recommendation sit at 3 ms and rise to 7.
    const noisy = (b: number) => (b < baselineBuckets ? 60 + (b % 5) * 10 : 1000 + (b % 2) * 10);
    const steady = (b: number) => (b < baselineBuckets ? 3 + (b % 3) * 0.05 : 7 + (b % 2) * 0.05);
    const withGap = (e: EdgeSeries, gap: (b: number) => number): EdgeSeries => ({
      ...e,
      gapMs: Array.from({ length: bucketCount }, (_, b) => gap(b)),
    });
    const ev = evidence([
      withGap(edge('frontend', 'currency', 1), noisy),
      withGap(edge('frontend', 'cart', 1), steady),
      withGap(edge('frontend', 'recommendation', 1), steady),
      edge('checkout', 'payment', 1),
      edge('checkout', 'email', 1),
      edge('checkout', 'shipping', 1),
      edge('frontend', 'ads', 1),
    ]);
    expect(baro.rank(ev)[0]?.service).toBe('currency');
  });

  it("hands a gap to the caller when the callee's other callers reached it without waiting", () => {
    const preserve = [
      { caller: 'preserve', callee: 'contacts' },
      { caller: 'preserve-other', callee: 'contacts' },
      { caller: 'preserve', callee: 'seat' },
      { caller: 'gateway', callee: 'seat' },
    ];
    // Only preserve waits on contacts; contacts' other caller sees its usual gap.
    expect(gapSides(preserve, [489, 1, 2, 1])[0]).toBe('preserve');
    // The other caller did not call in the window: nothing says contacts' network is fine.
    expect(gapSides(preserve, [489, 0, 2, 1], [true, false, true, true])[0]).toBe('contacts');
    // The other caller waited too: contacts' network is slow.
    expect(gapSides(preserve, [489, 200, 2, 1])[0]).toBe('contacts');
  });

  it("judges the callee's other callers by their calls while the one caller waited", () => {
    const food = [
      { caller: 'gateway', callee: 'food' },
      { caller: 'preserve', callee: 'food' },
      { caller: 'preserve-other', callee: 'food' },
      { caller: 'gateway', callee: 'travel' },
    ];
    const z = [4534, 1.6, 0.8, 2];
    // gateway waits from the third bucket on; `null`: no call in that bucket.
    const gateway = [3, 4, 2008, 2023, null, 1999, 2015];
    // The other callers called only before the delay began: they say nothing of it.
    const before = [3, 3, null, null, null, null, null];
    expect(gapSides(food, z, undefined, [gateway, before, before, [4, 4, 4, 4, 4, 4, 4]])[0]).toBe(
      'food',
    );
    // One of them called once while gateway waited, and waited as long.
    const once = [3, null, null, null, null, 2008, null];
    expect(gapSides(food, z, undefined, [gateway, before, once, [4, 4, 4, 4, 4, 4, 4]])[0]).toBe(
      'food',
    );
    // It called while gateway waited and got its usual gap: the delay is gateway's own.
    const usual = [3, null, 3, null, null, 2, null];
    expect(gapSides(food, z, undefined, [gateway, before, usual, [4, 4, 4, 4, 4, 4, 4]])[0]).toBe(
      'gateway',
    );
  });

  it("ranks the caller first whose wait on one callee its callee's other callers do not share", () => {
    const ev = evidence([
      edge('preserve', 'contacts', 50),
      edge('other', 'contacts', 1),
      edge('preserve', 'seat', 1),
      edge('gateway', 'preserve', 1),
    ]);
    expect(baro.rank(ev)[0]?.service).toBe('preserve');
  });
});

const edges = [
  { caller: 'checkout', callee: 'email' },
  { caller: 'checkout', callee: 'shipping' },
  { caller: 'frontend', callee: 'payment' },
  { caller: 'frontend', callee: 'ads' },
  { caller: 'frontend', callee: 'cart' },
  { caller: 'frontend', callee: 'currency' },
];
