import { describe, expect, it } from 'vitest';
import {
  faultOnset,
  firstAnomalyServices,
  fromOnset,
  leadDeviations,
} from '../../activities/rca/fault-onset';
import type { LogRecord, Span } from '../../simulator/telemetry';
import { podResource, servedCall } from '../setup/telemetry-rows';

/** Ten minutes of baseline, then a one-minute lead before the first anomaly (epoch ms). */
const window = { baselineStart: 0, leadStart: 600_000, firstAnomaly: 660_000 };

function line(service: string, atMs: number, body: string): LogRecord {
  return {
    timeUnixNano: BigInt(atMs) * 1_000_000n,
    service,
    severityText: 'INFO',
    severityNumber: 9,
    body,
    resource: podResource(service),
  };
}

/**
 * A call a second from each service up to the first anomaly, 20–24 ms, except where `slow`
 * says a service took 200 ms ([from, to) in ms).
 */
function traffic(slow: { service: string; from: number; to: number }[] = []): Span[] {
  const spans: Span[] = [];
  for (const service of ['cart', 'frontend'])
    for (let at = 0; at < window.firstAnomaly; at += 1000) {
      const isSlow = slow.some((s) => s.service === service && at >= s.from && at < s.to);
      spans.push(servedCall(service, at, isSlow ? 200 : 20 + ((at / 1000) % 5)));
    }
  return spans;
}

const services = { incident: new Set(['cart', 'frontend']), firstAnomaly: new Set(['cart']) };

describe('faultOnset: where the ranked fault window starts within the lead', () => {
  it('leaves out an unrelated event early in the lead: the onset is the first anomaly', () => {
    const rows = {
      spans: traffic([{ service: 'frontend', from: 610_000, to: 620_000 }]),
      logs: [],
    };
    expect(faultOnset(rows, window, services)).toBe(window.firstAnomaly);
  });

  it('keeps a drift of the first anomaly’s own service that began 50 s before it', () => {
    const drift = { service: 'cart', from: 610_000, to: 660_000 };
    // An unrelated event before the drift: the onset is where the drift began, not the lead's start.
    const unrelated = { service: 'frontend', from: 600_000, to: 610_000 };
    const rows = { spans: traffic([drift, unrelated]), logs: [] };
    expect(faultOnset(rows, window, services)).toBe(610_000);
  });

  it('steps over one quiet bucket in the drift (a service called a few times a bucket skips some)', () => {
    const rows = {
      spans: traffic([
        { service: 'cart', from: 620_000, to: 640_000 },
        { service: 'cart', from: 650_000, to: 660_000 },
        { service: 'frontend', from: 600_000, to: 610_000 },
      ]),
      logs: [],
    };
    expect(faultOnset(rows, window, services)).toBe(620_000);
  });

  it('keeps a lead where nothing left its baseline whole: the fault may have begun unseen in it', () => {
    expect(faultOnset({ spans: traffic(), logs: [] }, window, services)).toBe(window.leadStart);
  });

  it('reads a line the baseline never had as leaving it', () => {
    const logs = [
      ...Array.from({ length: 60 }, (_, i) => line('frontend', i * 10_000, 'served request 17')),
      line('frontend', 615_000, 'connection refused by 10.0.0.3'),
    ];
    const deviations = leadDeviations({ spans: traffic(), logs }, window, services.incident);
    expect(deviations.map((b) => b.deviations.map((d) => `${d.service} ${d.reading}`))).toEqual([
      [],
      [],
      [],
      [],
      ['frontend new lines'],
      [],
    ]);
    expect(faultOnset({ spans: traffic(), logs }, window, services)).toBe(window.firstAnomaly);
  });
});

describe('fromOnset', () => {
  it('starts the fault period at the onset and leaves the lead before it out of the baseline', () => {
    const bounds = { baselineStart: 0, faultStart: 600_000, others: [{ from: 0, to: 60_000 }] };
    expect(fromOnset(bounds, 640_000)).toEqual({
      baselineStart: 0,
      faultStart: 640_000,
      others: [
        { from: 0, to: 60_000 },
        { from: 600_000, to: 640_000 },
      ],
    });
    expect(fromOnset(bounds, 600_000)).toBe(bounds);
  });
});

describe('firstAnomalyServices', () => {
  it('names the services of the anomalies at the first anomaly only', () => {
    const at = (s: string) => new Date(s).toISOString();
    const anomalies = [
      { service: 'cart', at: at('2026-01-01T00:00:10Z') },
      { service: 'frontend', at: at('2026-01-01T00:00:20Z') },
      { service: 'cart', at: at('2026-01-01T00:00:10Z') },
      { service: 'redis', at: at('2026-01-01T00:00:10Z') },
    ];
    expect(firstAnomalyServices(anomalies, Date.parse('2026-01-01T00:00:10Z'))).toEqual([
      'cart',
      'redis',
    ]);
  });
});
