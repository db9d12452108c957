import { describe, expect, it } from 'vitest';
import { correlateAnomalies, type ServiceEdge } from '../../detectors/correlation';
import type { Anomaly } from '../../workflows/incident/types';

const at = '2026-01-01T00:00:00.000Z';
const anomaly = (
  service: string,
  score = 0.95,
  signal: Anomaly['signal'] = 'latency',
): Anomaly => ({
  seriesKey: `svc:${service}:${signal}`,
  service,
  signal,
  score,
  value: 1,
  at,
});

// frontend → checkout → payment, checkout → db, cart → db
const edges: ServiceEdge[] = [
  { caller: 'frontend', callee: 'checkout' },
  { caller: 'checkout', callee: 'payment' },
  { caller: 'checkout', callee: 'db' },
  { caller: 'cart', callee: 'db' },
  { caller: 'frontend', callee: 'cart' },
];

describe('anomaly correlation', () => {
  it('makes a slow database and its slow callers one fault, blamed on the database', () => {
    const candidates = correlateAnomalies(
      [
        anomaly('frontend', 0.99),
        anomaly('checkout', 0.98),
        anomaly('cart', 0.97),
        anomaly('db', 0.9),
      ],
      edges,
      [],
      at,
      // One bucket of latency is one piece of evidence (see 'correlation evidence'): this
      // test is about grouping and blame.
      { minAnomaliesToOpen: 1 },
    );
    expect(candidates).toHaveLength(1);
    expect(candidates[0]).toMatchObject({ fingerprint: 'db', service: 'db' });
    expect(candidates[0]?.services).toEqual(['cart', 'checkout', 'db', 'frontend']);
  });

  it("lists a group's anomalies of equal score in one order, whatever order the store read them in", () => {
    const read = [
      anomaly('db', 0.9, 'errors'),
      anomaly('db', 0.9, 'latency'),
      anomaly('checkout', 0.95, 'latency'),
      anomaly('db', 0.9, 'saturation'),
    ];
    const listed = (anomalies: Anomaly[]) =>
      correlateAnomalies(anomalies, edges, [], at, { minAnomaliesToOpen: 1 }).flatMap((c) =>
        c.anomalies.map((a) => a.seriesKey),
      );
    expect(listed(read)).toEqual([
      'svc:checkout:latency',
      'svc:db:errors',
      'svc:db:latency',
      'svc:db:saturation',
    ]);
    expect(listed([...read].reverse())).toEqual(listed(read));
  });

  it('keeps unconnected faults apart when they began more than half a minute apart', () => {
    const earlier = new Date(Date.parse(at) - 40_000).toISOString();
    const candidates = correlateAnomalies(
      [
        anomaly('payment'),
        anomaly('payment', 0.9, 'errors'),
        { ...anomaly('cart'), at: earlier },
        { ...anomaly('cart', 0.9, 'errors'), at: earlier },
      ],
      edges,
      [],
      at,
    );
    expect(candidates.map((c) => c.fingerprint)).toEqual(['cart', 'payment']);
  });

  it('opens one incident for groups of one pass that began together, as the next pass would', () => {
    const together = [
      anomaly('payment'),
      anomaly('payment', 0.9, 'errors'),
      anomaly('cart'),
      anomaly('cart', 0.9, 'errors'),
    ];
    const candidates = correlateAnomalies(together, edges, [], at);
    expect(candidates.map((c) => [c.fingerprint, c.services])).toEqual([
      ['cart', ['cart']],
      ['cart', ['payment']],
    ]);
    // The same groups a pass apart: the first opened, the second joins it (coincident onset).
    const [first] = correlateAnomalies(together.slice(2), edges, [], at);
    const later = correlateAnomalies(
      together.slice(0, 2),
      edges,
      [{ ...first!, openedAt: Date.parse(at), slowOrFailing: ['cart'] }],
      at,
    );
    expect(later.map((c) => c.fingerprint)).toEqual(['cart']);
  });

  it('lets the group with more evidence lead when groups of one pass began together', () => {
    const later = new Date(Date.parse(at) + 10_000).toISOString();
    const candidates = correlateAnomalies(
      [
        anomaly('cart'),
        anomaly('cart', 0.9, 'errors'),
        anomaly('payment'),
        anomaly('payment', 0.9, 'errors'),
        { ...anomaly('payment', 0.9, 'errors'), at: later },
      ],
      edges,
      [],
      at,
    );
    // One incident (coincident onsets), blamed on payment: three pieces against cart's two.
    expect(candidates.map((c) => [c.fingerprint, c.services])).toEqual([
      ['payment', ['payment']],
      ['payment', ['cart']],
    ]);
  });

  it('attaches a group to the open incident it overlaps', () => {
    const candidates = correlateAnomalies(
      [anomaly('checkout'), anomaly('payment')],
      edges,
      [{ fingerprint: 'checkout', service: 'checkout', services: ['checkout'] }],
      at,
    );
    expect(candidates).toHaveLength(1);
    expect(candidates[0]).toMatchObject({ fingerprint: 'checkout', service: 'payment' });
  });

  it('opens no incident for one stray anomaly, but attaches it to an open one', () => {
    expect(correlateAnomalies([anomaly('payment')], edges, [], at)).toEqual([]);
    const [c] = correlateAnomalies(
      [anomaly('payment')],
      edges,
      [{ fingerprint: 'p', service: 'payment', services: ['payment'] }],
      at,
    );
    expect(c?.fingerprint).toBe('p');
  });

  it('opens a new incident for a new fault behind a caller shared with an open one', () => {
    const open = [
      { fingerprint: 'payment', service: 'payment', services: ['frontend', 'checkout', 'payment'] },
    ];
    const candidates = correlateAnomalies(
      [anomaly('frontend'), anomaly('cart'), anomaly('cart', 0.99, 'errors')],
      edges,
      open,
      at,
    );
    expect(candidates.map((c) => c.fingerprint)).toEqual(['cart']);
  });

  it("attaches the callers of an open incident's service when it shows nothing new itself", () => {
    const open = [{ fingerprint: 'payment', service: 'payment', services: ['payment'] }];
    const candidates = correlateAnomalies(
      [anomaly('checkout', 0.99, 'errors'), anomaly('frontend', 0.98, 'errors')],
      edges,
      open,
      at,
    );
    expect(candidates.map((c) => [c.fingerprint, c.service])).toEqual([['payment', 'checkout']]);
  });

  it('opens a new incident for a new error template at a service an open incident slowed', () => {
    const open = [{ fingerprint: 'db', service: 'db', services: ['db', 'cart', 'frontend'] }];
    const novel = { ...anomaly('frontend', 0.99, 'logs'), seriesKey: 'tmpl:frontend:abc:new' };
    const conclusive = (a: Anomaly) => a.seriesKey.endsWith(':new');
    const [c] = correlateAnomalies([novel], edges, open, at, { conclusive });
    expect(c).toMatchObject({ fingerprint: 'frontend', service: 'frontend' });
    // Without a new template, frontend's symptoms are still the open fault's.
    const [d] = correlateAnomalies([anomaly('frontend', 0.99, 'logs')], edges, open, at, {
      conclusive,
    });
    expect(d?.fingerprint).toBe('db');
  });

  it('keeps a new fault apart from an unfixed one that shares its callers', () => {
    const open = [{ fingerprint: 'cart', service: 'cart', services: ['cart'] }];
    // The unfixed fault's reading is off scrape after scrape.
    const cartBusy = anomaly('cart', 0.999, 'saturation');
    const candidates = correlateAnomalies(
      [
        cartBusy,
        { ...cartBusy, at: '2026-01-01T00:00:10.000Z' },
        anomaly('frontend'),
        anomaly('checkout'),
        anomaly('payment', 0.97),
        anomaly('payment', 0.99, 'errors'),
      ],
      edges,
      open,
      at,
    );
    expect(candidates.map((c) => [c.fingerprint, c.service, c.services])).toEqual([
      ['cart', 'cart', ['cart', 'frontend']],
      ['payment', 'payment', ['checkout', 'payment']],
    ]);
  });

  it("leaves the callers of an open incident's service with it, opening nothing else", () => {
    const open = [{ fingerprint: 'db', service: 'db', services: ['db'] }];
    const candidates = correlateAnomalies(
      [
        anomaly('db', 0.99, 'errors'),
        anomaly('cart', 0.98, 'errors'),
        anomaly('checkout', 0.97, 'errors'),
        anomaly('frontend', 0.97, 'errors'),
        anomaly('payment', 0.999, 'traffic'),
      ],
      edges,
      open,
      at,
    );
    expect(candidates.map((c) => [c.fingerprint, c.services])).toEqual([
      ['db', ['cart', 'checkout', 'db', 'frontend']],
    ]);
  });

  it('never blames nor opens on a service that only does less than usual', () => {
    const less = { ...anomaly('payment', 0.999, 'saturation'), value: 1, baseline: 5 };
    const supporting = (a: Anomaly) => a.baseline !== undefined && a.value < a.baseline;
    expect(
      correlateAnomalies([less, { ...less, at: '2026-01-01T00:00:10.000Z' }], edges, [], at, {
        supporting,
      }),
    ).toEqual([]);
    const [c] = correlateAnomalies(
      [
        less,
        { ...less, at: '2026-01-01T00:00:10.000Z' },
        anomaly('checkout', 0.9, 'errors'),
        anomaly('checkout', 0.9),
      ],
      edges,
      [],
      at,
      { supporting },
    );
    expect(c).toMatchObject({ service: 'checkout', services: ['checkout', 'payment'] });
  });

  it('picks the strongest member of an anomalous cycle', () => {
    const cycle: ServiceEdge[] = [
      { caller: 'a', callee: 'b' },
      { caller: 'b', callee: 'a' },
    ];
    const [c] = correlateAnomalies([anomaly('a', 0.9), anomaly('b', 0.99)], cycle, [], at, {
      minAnomaliesToOpen: 1,
    });
    expect(c?.service).toBe('b');
  });

  it('makes fingerprints safe for workflow ids', () => {
    const [c] = correlateAnomalies(
      [anomaly('Shop Frontend/v2'), anomaly('Shop Frontend/v2', 0.9, 'errors')],
      [],
      [],
      at,
    );
    expect(c?.fingerprint).toBe('shop-frontend-v2');
  });

  it('joins a group that began as an open incident opened; a later one opens its own', () => {
    // frontend → cart → db: an incident on payment opened as cart's anomalies began (one
    // cause seen in two places); cart and payment are linked only through frontend/checkout.
    const opened = Date.parse(at);
    const open = [
      { fingerprint: 'payment', service: 'payment', services: ['payment'], openedAt: opened },
    ];
    const cart = (t: number) =>
      [anomaly('cart'), anomaly('cart', 0.9, 'errors')].map((a) => ({
        ...a,
        at: new Date(t).toISOString(),
      }));
    const [joined] = correlateAnomalies(cart(opened + 20_000), edges, open, at);
    expect(joined).toMatchObject({ fingerprint: 'payment', service: 'cart' });
    const [later] = correlateAnomalies(cart(opened + 120_000), edges, open, at);
    expect(later).toMatchObject({ fingerprint: 'cart', service: 'cart' });
    // In a part of the call graph the incident does not reach: its own fault, however close.
    const apartGraph = [
      { caller: 'cart', callee: 'db' },
      { caller: 'checkout', callee: 'payment' },
    ];
    const [apart] = correlateAnomalies(cart(opened + 20_000), apartGraph, open, at);
    expect(apart).toMatchObject({ fingerprint: 'cart' });
    // Services with no known calls (metrics only) cannot be shown to be apart.
    const [unplaced] = correlateAnomalies(cart(opened + 20_000), [], open, at);
    expect(unplaced).toMatchObject({ fingerprint: 'payment' });
  });

  it('keeps services read off in one scrape out of a fault, so a later fault there opens its own', () => {
    const scrape = ['frontend', 'cart', 'payment', 'db'].map((s) =>
      anomaly(s, 0.999, 'saturation'),
    );
    const [first, ...others] = correlateAnomalies(
      [anomaly('checkout'), anomaly('checkout', 0.9, 'errors'), ...scrape],
      edges,
      [],
      at,
    );
    expect(others).toEqual([]);
    expect(first).toMatchObject({ fingerprint: 'checkout', services: ['checkout'] });
    const open = [
      {
        fingerprint: first!.fingerprint,
        service: first!.service,
        services: first!.services,
        openedAt: Date.parse(at),
      },
    ];
    const later = new Date(Date.parse(at) + 120_000).toISOString();
    const [db] = correlateAnomalies(
      [anomaly('db'), anomaly('db', 0.9, 'errors')].map((a) => ({ ...a, at: later })),
      edges,
      open,
      later,
    );
    expect(db).toMatchObject({ fingerprint: 'db', service: 'db' });
  });

  it('joins an open incident on a reading off in two scrapes or a symptom in traces, not one scrape', () => {
    const opened = Date.parse(at);
    const open = [
      { fingerprint: 'payment', service: 'payment', services: ['payment'], openedAt: opened },
    ];
    const when = (a: Anomaly, ms: number) => ({ ...a, at: new Date(opened + ms).toISOString() });
    const busy = anomaly('cart', 0.999, 'saturation');
    expect(correlateAnomalies([when(busy, 20_000)], edges, open, at)).toEqual([]);
    const [persisting] = correlateAnomalies(
      [when(busy, 10_000), when(busy, 20_000)],
      edges,
      open,
      at,
    );
    expect(persisting).toMatchObject({ fingerprint: 'payment', service: 'cart' });
    const [traced] = correlateAnomalies([when(anomaly('cart'), 20_000)], edges, open, at);
    expect(traced).toMatchObject({ fingerprint: 'payment', service: 'cart' });
  });

  it('widens a fault to a callee whose reading is off in two scrapes', () => {
    const busy = anomaly('payment', 0.999, 'saturation');
    const [c] = correlateAnomalies(
      [
        anomaly('checkout'),
        anomaly('checkout', 0.9, 'errors'),
        busy,
        { ...busy, at: '2026-01-01T00:00:10.000Z' },
      ],
      edges,
      [],
      at,
    );
    expect(c).toMatchObject({ fingerprint: 'payment', services: ['checkout', 'payment'] });
  });

  it('blames a callee read off in one scrape under its slow caller, one hop only', () => {
    const [c, ...rest] = correlateAnomalies(
      [anomaly('cart'), anomaly('cart', 0.9, 'errors'), anomaly('db', 0.999, 'saturation')],
      edges,
      [],
      at,
    );
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ fingerprint: 'db', service: 'db', services: ['cart', 'db'] });
    // The caller of a slow service is no callee of it: its one reading joins nothing.
    const [up] = correlateAnomalies(
      [anomaly('cart'), anomaly('cart', 0.9, 'errors'), anomaly('frontend', 0.999, 'saturation')],
      edges,
      [],
      at,
    );
    expect(up).toMatchObject({ fingerprint: 'cart', services: ['cart'] });
  });

  it('joins no scrape reading when the scrape is off where no symptom touches', () => {
    const [c, ...rest] = correlateAnomalies(
      [
        anomaly('cart'),
        anomaly('cart', 0.9, 'errors'),
        anomaly('db', 0.999, 'saturation'),
        anomaly('payment', 0.999, 'saturation'),
      ],
      edges,
      [],
      at,
    );
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ fingerprint: 'cart', services: ['cart'] });
  });

  it('joins a callee read once when the reading no symptom touches is an earlier scrape', () => {
    const earlier = { ...anomaly('payment', 0.999, 'saturation'), at: '2025-12-31T23:59:50.000Z' };
    const [c, ...rest] = correlateAnomalies(
      [
        anomaly('cart'),
        anomaly('cart', 0.9, 'errors'),
        anomaly('db', 0.999, 'saturation'),
        earlier,
      ],
      edges,
      [],
      at,
    );
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ fingerprint: 'db', service: 'db', services: ['cart', 'db'] });
  });

  it('joins no callee whose one reading is off a baseline of zero', () => {
    const busy = { ...anomaly('db', 0.999, 'saturation'), value: 0.01, baseline: 0 };
    const candidates = correlateAnomalies(
      [anomaly('cart'), anomaly('cart', 0.9, 'errors'), busy],
      edges,
      [],
      at,
    );
    expect(candidates.map((c) => [c.service, c.services])).toEqual([['cart', ['cart']]]);
  });

  it('joins a callee read once to neither group when its symptomatic callers are two groups', () => {
    const candidates = correlateAnomalies(
      [
        anomaly('cart'),
        anomaly('cart', 0.9, 'errors'),
        anomaly('checkout'),
        anomaly('checkout', 0.9, 'errors'),
        anomaly('db', 0.999, 'saturation'),
      ],
      edges,
      [],
      at,
    );
    // The two groups began together, so they are one incident (see coincident onsets); the
    // database's reading joins neither.
    expect(candidates.map((c) => [c.fingerprint, c.services])).toEqual([
      ['cart', ['cart']],
      ['cart', ['checkout']],
    ]);
  });

  describe("an open incident's current evidence explains a caller's slow calls, or they open their own", () => {
    // An incident on db opened 10 s before cart's calls turned slow and failing (cart → db).
    const opened = Date.parse(at) - 10_000;
    const onDb = (slowOrFailing: string[]) => [
      { fingerprint: 'db', service: 'db', services: ['db'], openedAt: opened, slowOrFailing },
    ];
    const cart = [anomaly('cart'), anomaly('cart', 0.9, 'errors')];

    it('opens their own incident while the callee shows only its log lines or a gauge', () => {
      const [c] = correlateAnomalies(cart, edges, onDb([]), at);
      expect(c).toMatchObject({ fingerprint: 'cart', service: 'cart' });
    });

    it("joins the callee's incident while its calls are slow or failing", () => {
      const [c] = correlateAnomalies(cart, edges, onDb(['db']), at);
      expect(c).toMatchObject({ fingerprint: 'db', service: 'cart' });
    });

    it('joins where the incident is not the callee but its slow calls are within reach', () => {
      // Began with it, linked through checkout → db: one cause seen in more places.
      const onPayment = [
        {
          ...onDb(['checkout'])[0]!,
          fingerprint: 'payment',
          service: 'payment',
          services: ['payment', 'checkout'],
        },
      ];
      const [c] = correlateAnomalies(cart, edges, onPayment, at);
      expect(c).toMatchObject({ fingerprint: 'payment' });
      const [apart] = correlateAnomalies(
        cart,
        edges,
        [{ ...onPayment[0]!, slowOrFailing: [] }],
        at,
      );
      expect(apart).toMatchObject({ fingerprint: 'cart' });
    });

    it('holds one slow bucket it cannot explain, and keeps a service it lists', () => {
      // Held for the next pass's evidence (the detection activity keeps what was not reported).
      expect(correlateAnomalies([anomaly('cart')], edges, onDb([]), at)).toEqual([]);
      const [stray] = correlateAnomalies([anomaly('cart')], edges, onDb(['db']), at);
      expect(stray).toMatchObject({ fingerprint: 'db', service: 'cart' });
      const listed = [{ ...onDb([])[0]!, services: ['cart', 'db'] }];
      expect(correlateAnomalies(cart, edges, listed, at)[0]).toMatchObject({ fingerprint: 'db' });
    });

    it("takes a caller's share of WARN lines in as before: lines are no failing calls", () => {
      const share = ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:10.000Z'].map((t): Anomaly => ({
        ...anomaly('cart', 0.95, 'errors'),
        seriesKey: 'logerr:cart',
        at: t,
      }));
      const fromLines = (a: Anomaly) => a.seriesKey.startsWith('logerr:');
      const [c] = correlateAnomalies(share, edges, onDb([]), at, { fromLines });
      expect(c).toMatchObject({ fingerprint: 'db', service: 'cart' });
    });
  });

  describe('a callee explains its callers only by what can make calls slow', () => {
    // Two buckets of each: enough to open an incident.
    const later = '2026-01-01T00:00:10.000Z';
    const twice = (a: Anomaly) => [a, { ...a, at: later }];
    const lines = (service: string) =>
      twice({ ...anomaly(service, 0.95, 'logs'), seriesKey: `logerr:${service}` });
    const fromLines = (a: Anomaly) => a.seriesKey.startsWith('logerr:');
    const slowCart = twice(anomaly('cart'));

    it('keeps slow calls apart from a callee that shows only more WARN lines', () => {
      const candidates = correlateAnomalies([...slowCart, ...lines('db')], edges, [], at, {
        fromLines,
      });
      expect(candidates.map((c) => c.services)).toEqual([['cart'], ['db']]);
    });

    it('makes them one fault when the callee is slow too, or the calls fail', () => {
      const slowDb = correlateAnomalies(
        [...slowCart, ...lines('db'), anomaly('db')],
        edges,
        [],
        at,
        {
          fromLines,
        },
      );
      expect(slowDb.map((c) => [c.service, c.services])).toEqual([['db', ['cart', 'db']]]);
      const failing = [...slowCart, anomaly('cart', 0.9, 'errors'), ...lines('db')];
      const [c, ...rest] = correlateAnomalies(failing, edges, [], at, { fromLines });
      expect(c).toMatchObject({ service: 'db', services: ['cart', 'db'] });
      expect(rest).toEqual([]);
    });
  });
});
