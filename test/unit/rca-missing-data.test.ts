import { describe, expect, it } from 'vitest';
import {
  emptyGapProbability,
  missingDataNotes,
  type WindowRows,
} from '../../activities/rca/missing-data';
import type { MetricPoint, Span } from '../../simulator/telemetry';
import { podResource, servedCall } from '../setup/telemetry-rows';

/** Baseline minutes 00:00–00:02, fault window minutes 00:03–00:05 (UTC, epoch day). */
const window = { baselineStart: 0, faultStart: 180_000, end: 360_000 };
const span = (service: string, atMs: number) => servedCall(service, atMs, 5);

function metric(service: string, atMs: number): MetricPoint {
  return {
    timeUnixNano: BigInt(atMs) * 1_000_000n,
    service,
    instance: `${service}-0`,
    name: 'cpu',
    unit: '1',
    value: 0.5,
    resource: podResource(service),
  };
}

/**
 * `perMinute` spans of each service in every minute but `skip`'s (service → minutes with no
 * span), and a metric scrape of every service at the start of every minute.
 */
function rows(
  perMinute: Record<string, number>,
  skip: Record<string, number[]> = {},
  metricsOnly: string[] = [],
): WindowRows {
  const spans: Span[] = [];
  const metrics: MetricPoint[] = [];
  for (let minute = 0; minute < 6; minute++) {
    for (const [service, n] of Object.entries(perMinute)) {
      if (!skip[service]?.includes(minute))
        for (let i = 0; i < n; i++) spans.push(span(service, minute * 60_000 + 1_000 + i * 100));
    }
    for (const service of [...Object.keys(perMinute), ...metricsOnly])
      metrics.push(metric(service, minute * 60_000));
  }
  return { spans, logs: [], metrics };
}

describe('missing-data notes', () => {
  it('say nothing when every traced service has its spans', () => {
    expect(missingDataNotes(rows({ cart: 30, checkout: 30 }), window)).toEqual([]);
  });

  it('say so when the fault window has no span at all while metrics are there', () => {
    const notes = missingDataNotes(
      rows({ cart: 30, checkout: 30 }, { cart: [3, 4, 5], checkout: [3, 4, 5] }),
      window,
    );
    expect(notes).toEqual([
      'missing data: no spans in the fault window 00:03:00–00:06:00 UTC although the baseline ' +
        'has them; the ranking rests on the metrics and logs of 2 services',
    ]);
  });

  it('name the minutes without any span', () => {
    const notes = missingDataNotes(
      rows({ cart: 30, checkout: 30 }, { cart: [4], checkout: [4] }),
      window,
    );
    expect(notes).toEqual([
      'missing data: no spans at all in 00:04 UTC of the fault window 00:03:00–00:06:00 UTC ' +
        'while metrics or logs are there',
    ]);
  });

  it('name a busy service whose trace minutes are missing while its metrics are there, not an idle or untraced one', () => {
    const notes = missingDataNotes(
      rows({ cart: 30, checkout: 30, email: 1 }, { checkout: [4, 5], email: [3, 4, 5] }, ['redis']),
      window,
    );
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^missing data: no spans of checkout in 00:04, 00:05 UTC/);
    expect(notes[0]).not.toMatch(/email|redis|cart/);
  });

  it('weigh a quiet service by its count over the whole gap: one empty minute is chance, three are not', () => {
    // 5 spans a minute: 15 in the baseline; no span in 1 of 3 minutes has a chance (3/4)^15 ≈ 1.3%.
    const oneMinute = missingDataNotes(rows({ cart: 30, food: 5 }, { food: [4] }), window);
    expect(oneMinute).toEqual([]);
    const wholeWindow = missingDataNotes(rows({ cart: 30, food: 5 }, { food: [3, 4, 5] }), window);
    expect(wholeWindow).toHaveLength(1);
    expect(wholeWindow[0]).toMatch(/^missing data: no spans of food in 00:03, 00:04, 00:05 UTC/);
  });

  it('correct for the services checked: a gap noted among few is chance among many', () => {
    // 10 a minute, one minute empty: (3/4)^30 ≈ 1.8e-4, under 1% / 6 pairs, over 1% / 90.
    expect(missingDataNotes(rows({ cart: 30, food: 10 }, { food: [4] }), window)).toHaveLength(1);
    const quiet = Object.fromEntries(Array.from({ length: 28 }, (_, i) => [`quiet-${i}`, 1]));
    expect(missingDataNotes(rows({ cart: 30, food: 10, ...quiet }, { food: [4] }), window)).toEqual(
      [],
    );
  });

  it('count requests, not spans: a service reached by one request a minute may miss a minute', () => {
    const spread = rows({ cart: 30, payment: 30 }, { payment: [4] });
    expect(missingDataNotes(spread, window)).toHaveLength(1);
    // The same spans, each minute's 30 from one trace (a request fanning out within the service).
    const fanOut = spread.spans.map((s) =>
      s.service === 'payment'
        ? { ...s, traceId: `payment-${Math.floor(Number(s.startTimeUnixNano / 60_000_000_000n))}` }
        : s,
    );
    expect(missingDataNotes({ ...spread, spans: fanOut }, window)).toEqual([]);
  });

  it('give the exact chance of an empty gap at the baseline rate', () => {
    expect(emptyGapProbability(15, 3, 1)).toBeCloseTo(0.75 ** 15, 12);
    expect(emptyGapProbability(0, 3, 2)).toBe(1);
    expect(emptyGapProbability(90, 3, 0)).toBe(1);
  });

  it('say nothing without a traced baseline or without other telemetry in the window', () => {
    expect(missingDataNotes(rows({}, {}, ['redis']), window)).toEqual([]);
    const spansOnly = rows({ cart: 30 }, { cart: [3, 4, 5] });
    expect(missingDataNotes({ ...spansOnly, metrics: [] }, window)).toEqual([]);
  });
});
