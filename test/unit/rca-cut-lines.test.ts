import { describe, expect, it } from 'vitest';
import { lineBeforeItsCut } from '../../activities/rca/cut-lines';
import { buildEvidence, templateOf } from '../../activities/rca/evidence';
import { logEvidence } from '../../activities/rca/logs';
import type { LogRecord } from '../../simulator/telemetry';
import { podResource } from '../setup/telemetry-rows';

const window = { baselineStart: 0, faultStart: 120_000, end: 240_000 };

const ticket = (n: number) =>
  `Ticket(seatNo=${1_000_000 + n * 7919}, startStation=shanghai, destStation=suzhou)`;

/** The sold-ticket line with `items` tickets, cut after `limit` characters as a recording cuts it. */
function soldTickets(items: number, limit: number): string {
  const tickets = Array.from({ length: items }, (_, n) => ticket(n)).join(', ');
  const whole = `17:50:05.402 INFO  o.s.OrderServiceImpl#65 [getSoldTickets][Left ticket info][info is: LeftTicketInfo{soldTickets=[${tickets}]}]`;
  return whole.slice(0, limit);
}

/**
 * `order` writes its sold-ticket line twice a second throughout; the list grows, so the length
 * limit cuts it after the third ticket in the baseline and after the fourth since; `pay` writes
 * an INFO line throughout and, from the fault window on, an ERROR line too.
 */
function lines(): LogRecord[] {
  const out: LogRecord[] = [];
  const add = (t: number, service: string, severityText: 'INFO' | 'ERROR', body: string) =>
    out.push({
      timeUnixNano: BigInt(t) * 1_000_000n,
      service,
      severityText,
      severityNumber: severityText === 'ERROR' ? 17 : 9,
      body,
      resource: podResource(service),
    });
  for (let t = 0; t < window.end; t += 500) {
    const fault = t >= window.faultStart;
    add(t, 'order', 'INFO', soldTickets(fault ? 12 : 8, fault ? 400 : 330));
    add(t, 'pay', 'INFO', `payment ${t} done`);
    if (fault && t % 2_000 === 0) add(t, 'pay', 'ERROR', `payment ${t} refused by the bank`);
  }
  return out;
}

describe('a log line cut inside its list', () => {
  it('is keyed up to its list first item, wherever the cut falls', () => {
    const cut = (limit: number) => lineBeforeItsCut(templateOf(soldTickets(8, limit)));
    expect(cut(330)).toBe(cut(400));
    expect(cut(330)).toMatch(
      /soldTickets=\[Ticket\(seatNo=<\*>, startStation=<\*>, destStation=<\*>\),…$/,
    );
  });

  it('leaves whole lines and lines without a list as they are', () => {
    const whole = soldTickets(3, 10_000);
    expect(lineBeforeItsCut(whole)).toBe(whole);
    const plain = '[getRoutesByRouteIds][Get Route By Ids Failed] route 12 missing';
    expect(lineBeforeItsCut(plain)).toBe(plain);
  });

  it('is one line to the logs member: the service that wrote it as often as ever is not ranked', () => {
    // The services as the traces would name them (this window has only log lines).
    const evidence = { ...buildEvidence([], lines(), [], window), services: ['order', 'pay'] };
    expect(Object.keys(evidence.logs.order ?? {})).toHaveLength(1);
    const ranked = logEvidence.rank(evidence).map((c) => c.service);
    expect(ranked[0]).toBe('pay');
    expect(ranked).not.toContain('order');
  });
});
