import { describe, expect, it } from 'vitest';
import {
  newsworthyTemplates,
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
