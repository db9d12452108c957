import { describe, expect, it } from 'vitest';
import { attachAnomalies, openIncident, quietSince } from '../../workflows/incident/state';
import type { IncidentCandidate } from '../../workflows/incident/types';

const t = (seconds: number) => new Date(Date.UTC(2026, 11, 3, 6, 0, seconds)).toISOString();

function report(bucketSecond: number, key: string): IncidentCandidate {
  return {
    key,
    fingerprint: 'db',
    service: 'db',
    services: ['db'],
    anomalies: [
      {
        seriesKey: 'op:db:query:p95',
        service: 'db',
        signal: 'latency',
        score: 0.99,
        value: 900,
        baseline: 20,
        at: t(bucketSecond),
      },
    ],
    observedAt: t(bucketSecond),
  };
}

describe('incident quiet period', () => {
  it('counts from when the latest report arrived, not from its (earlier) bucket', () => {
    const opened = openIncident('db-1', report(0, 'a'), t(20));
    expect(quietSince(opened)).toBe(Date.parse(t(20)));
    // The fault's next bucket (40 s) is reported 22 s after it ends.
    const later = attachAnomalies(opened, report(40, 'b'), t(72));
    expect(later.lastAnomalyAt).toBe(t(40));
    expect(quietSince(later)).toBe(Date.parse(t(72)));
    // A report delivered again (same key) is not news and does not extend the quiet period.
    expect(quietSince(attachAnomalies(later, report(40, 'b'), t(90)))).toBe(Date.parse(t(72)));
  });

  it('never moves back: an earlier delivery time keeps the later one', () => {
    const opened = openIncident('db-1', report(0, 'a'), t(20));
    const later = attachAnomalies(opened, report(10, 'b'), t(50));
    expect(quietSince(attachAnomalies(later, report(20, 'c'), t(30)))).toBe(Date.parse(t(50)));
  });
});
