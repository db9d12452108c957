import { describe, expect, it } from 'vitest';
import { buildEvidence } from '../../activities/rca/evidence';
import { logEvidence, templateChanges } from '../../activities/rca/logs';

const t0 = 1_700_000_000_000;

function line(service: string, severityText: 'INFO' | 'ERROR', body: string, atMs: number) {
  return {
    timeUnixNano: BigInt(t0 + atMs) * 1_000_000n,
    service,
    severityText,
    severityNumber: severityText === 'ERROR' ? 17 : 9,
    body,
    traceId: `${service}${atMs}`.padEnd(32, '0'),
    resource: {
      'service.name': service,
      'service.version': '1',
      'service.instance.id': `${service}-0`,
      'host.name': '',
      'k8s.pod.name': `${service}-0`,
    },
  };
}

/** One line every 5 s from `fromMs` (inclusive) to `toMs` (exclusive). */
function every5s(
  service: string,
  severity: 'INFO' | 'ERROR',
  body: string,
  fromMs: number,
  toMs: number,
) {
  const out = [];
  for (let at = fromMs; at < toMs; at += 5_000) out.push(line(service, severity, body, at));
  return out;
}

// Ten minutes of baseline, then a fault window of three. Another incident went on from minute 6
// to the window: its minutes (the lead-in among them) are left out of the baseline.
const window = {
  baselineStart: t0,
  faultStart: t0 + 600_000,
  end: t0 + 780_000,
  excluded: [{ from: t0 + 360_000, to: t0 + 640_000 }],
};
const usual = (service: string) => every5s(service, 'INFO', 'handled request', 0, 780_000);

describe('the lead-in: where each line stood when the fault window began', () => {
  it("reads an earlier fault's line, still written at its rate, as that fault's and not this one's", () => {
    const logs = [
      ...usual('recommendation'),
      ...usual('cart'),
      // The earlier fault: a bad deploy at minute 6, never rolled back.
      ...every5s(
        'recommendation',
        'ERROR',
        'failed to rank products: model missing',
        360_000,
        780_000,
      ),
      // This fault: the cart's store times out from the window on.
      ...every5s('cart', 'ERROR', 'redis timed out on GET cart', 600_000, 780_000),
    ];
    const evidence = buildEvidence([], logs, [], window);
    const status = (service: string, template: string) =>
      templateChanges(evidence, service).find((c) => c.template === template)?.status;
    expect(status('recommendation', 'failed to rank products: model missing')).toBe('steady');
    expect(status('cart', 'redis timed out on GET cart')).toBe('new');
    // Services come from spans; these two only log.
    evidence.services = ['cart', 'recommendation'];
    expect(logEvidence.rank(evidence).map((c) => c.service)).toEqual(['cart']);

    // Without the lead-in (the baseline alone), the earlier fault's line is as new as this one's.
    const baselineOnly = buildEvidence([], logs, [], { ...window, excluded: [] });
    expect(
      templateChanges(baselineOnly, 'recommendation').find((c) => c.status === 'bursting'),
    ).toBeDefined();
  });

  it("keeps a line that began within the lead-in as this fault's: it held no rate through the minute", () => {
    const logs = [
      ...usual('cart'),
      // The fault shows 20 s before the window (before its first anomaly).
      ...every5s('cart', 'ERROR', 'redis timed out on GET cart', 580_000, 780_000),
    ];
    const evidence = buildEvidence([], logs, [], window);
    expect(templateChanges(evidence, 'cart')[0]).toMatchObject({
      template: 'redis timed out on GET cart',
      status: 'new',
    });
  });

  it('still reads a rise beyond the rate the line held', () => {
    const logs = [
      ...usual('cart'),
      ...every5s('cart', 'ERROR', 'redis timed out on GET cart', 360_000, 780_000),
      // Five times as many from the window on.
      ...[1_000, 2_000, 3_000, 4_000].flatMap((offset) =>
        every5s('cart', 'ERROR', 'redis timed out on GET cart', 600_000 + offset, 780_000),
      ),
    ];
    const evidence = buildEvidence([], logs, [], window);
    expect(templateChanges(evidence, 'cart')[0]).toMatchObject({
      template: 'redis timed out on GET cart',
      status: 'bursting',
    });
  });

  it('reads nothing from a lead-in the baseline kept: those lines are its own', () => {
    const evidence = buildEvidence(
      [],
      every5s('cart', 'ERROR', 'redis timed out on GET cart', 360_000, 780_000),
      [],
      { ...window, excluded: [{ from: t0 + 360_000, to: t0 + 420_000 }] },
    );
    expect(evidence.logs.cart?.['redis timed out on GET cart']?.leadIn).toBeUndefined();
  });
});
