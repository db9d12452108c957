import { describe, expect, it } from 'vitest';
import {
  namesOtherService,
  newsworthyTemplates,
  quotesOtherEndpoint,
  serviceNoveltyWarmupMs,
  templateShape,
} from '../../detectors/template-novelty';

const t0 = Date.UTC(2026, 0, 7, 9, 0, 0);
const tickets = (n: number) =>
  `seat <*> INFO [distributeSeat][Left ticket info][soldTickets=[${Array.from(
    { length: n },
    () => 'Ticket(seatNo=<*>, startStation=<*>, destStation=<*>)',
  ).join(', ')}]]`;
const known = [
  { service: 'seat', template: tickets(2), firstSeen: t0 },
  { service: 'seat', template: 'seat <*> INFO [distributeSeat][Create seat][<*>]', firstSeen: t0 },
];
const later = t0 + serviceNoveltyWarmupMs + 60_000;

describe('which novel log templates are news', () => {
  it('folds a repeated list item, however many times it repeats', () => {
    expect(templateShape(tickets(5))).toBe(templateShape(tickets(2)));
    expect(templateShape(tickets(5))).not.toBe(templateShape('seat <*> INFO [x][y]'));
  });

  it('a known line with a longer list is not news; a new sentence is', () => {
    const variant = { service: 'seat', template: tickets(7), firstSeen: later };
    const fallback = {
      service: 'seat',
      template: 'seat <*> INFO [distributeSeat] took fallback branch, returning empty result',
      firstSeen: later,
    };
    expect(newsworthyTemplates([variant, fallback], [...known, variant, fallback])).toEqual([
      fallback,
    ]);
  });

  it('a long line cut at a different point of its last item is not news', () => {
    const full = tickets(9);
    const cut = { service: 'seat', template: full.slice(0, full.length - 12), firstSeen: later };
    expect(newsworthyTemplates([cut], known)).toEqual([]);
  });

  it('folds a list wherever the text before it ends', () => {
    // Cut inside its eighth item: one whole item stays, then the cut one, however many words
    // come before the list.
    for (const words of ['', 'w0 ', 'w0 w1 ', 'w0 w1 w2 ']) {
      const line = tickets(8).replace('[soldTickets=', `[${words}soldTickets=`);
      const shape = templateShape(line.slice(0, line.length - 45));
      expect(shape.match(/\bTicket\b/g)).toHaveLength(2);
    }
  });

  it('a line cut early inside its list is the whole line the service logs', () => {
    // The whole line goes on after its list; the cut one stops inside the list's second item.
    const line = (n: number) =>
      `seat <*> INFO [getLeftTicketOfInterval][result is <*>, Response(status=<*>, data=<*>{soldTickets=[${Array.from(
        { length: n },
        () => 'Ticket(seatNo=<*>, startStation=<*>, destStation=<*>)',
      ).join(
        ', ',
      )}]}] headers=<x-request-id: "<*>", server: "envoy", transfer-encoding: "chunked">`;
    const whole = [{ service: 'seat', template: line(2), firstSeen: t0 }];
    const long = line(40);
    for (const at of [
      'Ticket(seatNo=<*>, startSta',
      'Ticket(seatNo=<*>, startStation=<*>, destStation=<*>), Tick',
    ]) {
      const cut = long.slice(0, long.indexOf(at, long.indexOf('Ticket(') + 1) + at.length);
      expect(
        newsworthyTemplates([{ service: 'seat', template: cut, firstSeen: later }], whole),
      ).toEqual([]);
    }
  });

  it('a new line that begins with a known one is news unless it stops inside a repeat', () => {
    const knownLine = [
      {
        service: 'seat',
        template: 'seat <*> ERROR [distributeSeat][Get seats failed][cause: <*>]',
        firstSeen: t0,
      },
    ];
    const shorter = {
      service: 'seat',
      template: 'seat <*> ERROR [distributeSeat][Get seats',
      firstSeen: later,
    };
    expect(newsworthyTemplates([shorter], knownLine)).toEqual([shorter]);
  });

  it('a line of the same text at another service is still news there', () => {
    const elsewhere = [{ service: 'order', template: tickets(3), firstSeen: t0 }];
    const novel = {
      service: 'order',
      template: 'order <*> ERROR payment failed',
      firstSeen: later,
    };
    const copy = { service: 'order', template: tickets(2), firstSeen: later };
    expect(newsworthyTemplates([novel, copy], [...elsewhere, ...known])).toEqual([novel]);
  });

  it('a service the engine has heard from only briefly logs its everyday lines for the first time', () => {
    const fresh = { service: 'avatar', template: 'avatar <*> INFO resized <*>', firstSeen: later };
    const first = {
      service: 'avatar',
      template: 'avatar <*> INFO start',
      firstSeen: later - 60_000,
    };
    expect(newsworthyTemplates([fresh], [first, fresh])).toEqual([]);
    const old = { ...first, firstSeen: t0 };
    expect(newsworthyTemplates([fresh], [old, fresh])).toEqual([fresh]);
  });
});

describe('a template about another service', () => {
  const services = [
    'ts-order-service',
    'ts-order-other-service',
    'order-service',
    'ts-basic-service',
  ];

  it('names a callee by its whole name', () => {
    expect(
      namesOtherService(
        'ts-security-service <*> ERROR threw exception [No instances available for ts-order-service] with root cause',
        'ts-security-service',
        services,
      ),
    ).toBe(true);
    expect(namesOtherService('call to ts-order-service:8080 failed', 'frontend', services)).toBe(
      true,
    );
  });

  it('is not its own name, a name inside a longer one, or a pod of the service', () => {
    expect(
      namesOtherService(
        'ts-basic-service <*> ERROR f.m.s.BasicServiceImpl#415 [getRoutesByRouteIds][Get Route By Ids Failed]',
        'ts-basic-service',
        services,
      ),
    ).toBe(false);
    expect(
      namesOtherService('restarted pod ts-order-service-7f9c on node <*>', 'frontend', [
        'ts-order-service',
      ]),
    ).toBe(false);
    expect(
      namesOtherService(
        'ts-order-service <*> WARN [getSoldTickets][Left ticket info is empty]',
        'ts-order-service',
        ['ts-order-service', 'order-service'],
      ),
    ).toBe(false);
  });
});

describe('a line quoting a route another service serves', () => {
  const endpoints = [
    { service: 'basic', route: '/api/v1/basicservice/basic/travels' },
    { service: 'orders', route: '/api/v1/orders/{orderId}' },
    { service: 'gateway', route: '/*' },
    { service: 'travel', route: '/api/v1/travelservice/trips' },
  ];
  const failed500 = (path: string) =>
    `Request processing failed; nested exception is HttpServerErrorException: 500 Internal Server Error: [{"status":500,"path":"${path}"}]`;

  it('is about that service, its parameters matched by any value', () => {
    expect(
      quotesOtherEndpoint(failed500('/api/v1/basicservice/basic/travels'), 'travel', endpoints),
    ).toBe(true);
    expect(quotesOtherEndpoint(failed500('/api/v1/orders/42'), 'travel', endpoints)).toBe(true);
  });

  it('is not about another service when the route is the service own, longer, or every service', () => {
    expect(quotesOtherEndpoint(failed500('/api/v1/travelservice/trips'), 'travel', endpoints)).toBe(
      false,
    );
    expect(
      quotesOtherEndpoint(failed500('/api/v1/basicservice/basic/travels/2'), 'travel', endpoints),
    ).toBe(false);
    expect(quotesOtherEndpoint('GET / served /* in 2 ms', 'travel', endpoints)).toBe(false);
  });
});
