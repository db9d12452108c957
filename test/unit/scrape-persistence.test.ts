import { describe, expect, it } from 'vitest';
import { awaitNextScrapeMs, nextScrape } from '../../detectors/scrape-persistence';
import type { Anomaly } from '../../workflows/incident/types';

const t0 = Date.UTC(2026, 0, 7, 9, 0, 0);
const reading = (seriesKey: string, at: number, service = 'db'): Anomaly => ({
  seriesKey,
  service,
  signal: 'saturation',
  score: 1,
  value: 0.9,
  baseline: 0.1,
  at: new Date(at).toISOString(),
});
const cpu = 'metric:db:cpu';
const noSpans = () => false;

describe('a gauge reading waits for its series’ next scrape', () => {
  it('is a second look when the next scrape is off again, a minute later', () => {
    const first = reading(cpu, t0);
    const again = reading(cpu, t0 + 60_000);
    const next = nextScrape([first], [again], new Map([[cpu, t0 + 60_000]]), noSpans, t0 + 60_000);
    expect(next.looks).toEqual([first]);
    // The newer reading waits in turn; the older one has had its next scrape.
    expect(next.awaiting).toEqual([again]);
  });

  it('is dropped when the next scrape is back to normal, and waits while none came', () => {
    const first = reading(cpu, t0);
    const scraped = nextScrape([first], [], new Map([[cpu, t0 + 60_000]]), noSpans, t0 + 60_000);
    expect(scraped).toEqual({ looks: [], awaiting: [] });
    const waiting = nextScrape([first], [], new Map(), noSpans, t0 + 30_000);
    expect(waiting).toEqual({ looks: [], awaiting: [first] });
  });

  it('counts no second look where the pass sees the service’s requests as spans', () => {
    const first = reading(cpu, t0);
    const again = reading(cpu, t0 + 60_000);
    const spans = (s: string) => s === 'db';
    const next = nextScrape([first], [again], new Map([[cpu, t0 + 60_000]]), spans, t0 + 60_000);
    expect(next.looks).toEqual([]);
  });

  it('pairs only the same series, and forgets a series that stopped reporting', () => {
    const first = reading(cpu, t0);
    const other = reading('metric:db:memory', t0 + 60_000);
    expect(nextScrape([first], [other], new Map(), noSpans, t0 + 60_000).looks).toEqual([]);
    const late = t0 + awaitNextScrapeMs + 10_000;
    expect(nextScrape([first], [reading(cpu, late)], new Map(), noSpans, late).looks).toEqual([]);
  });
});
