import { describe, expect, it } from 'vitest';
import type { NezhaFault } from '../../bench/nezha/dataset';
import { expectedByChance, liveMarkdown, type IncidentRow } from '../../bench/nezha/live-score';
import { liveSettings, minuteMs, type LivePlan } from '../../bench/nezha/live-timeline';

const start = Date.UTC(2026, 11, 6, 3, 0, 0);
const fault = (service: string, minute: number): NezhaFault => ({
  day: '2023-01-29',
  system: 'train-ticket',
  injectTime: new Date(Date.UTC(2023, 0, 29, 9, minute, 0)),
  pod: `${service}-5dc8d4f9fd-46997`,
  service,
  type: 'return',
});
// Two faults, each scored for the four minutes after its injection; one fault-free minute first.
const run: LivePlan = {
  minutes: [],
  slots: [
    {
      fault: fault('ts-basic-service', 3),
      number: 1,
      injectAt: start + minuteMs,
      until: start + 5 * minuteMs,
    },
    {
      fault: fault('ts-food-service', 12),
      number: 2,
      injectAt: start + 5 * minuteMs,
      until: start + 9 * minuteMs,
    },
  ],
  scored: [{ from: start, to: start + minuteMs, day: '2023-01-29', looped: true }],
  replayedDays: 1,
  end: start + 9 * minuteMs,
};
const incident = (at: number, service: string, services: string[]): IncidentRow => ({
  incident_id: `${service}-${at}`,
  fingerprint: service,
  opened_at: new Date(at),
  service,
  services,
  root_cause: null,
  opening_root_cause: null,
});

describe("bench:live's score", () => {
  it('tells a detection by an incident that names the faulty service from one that does not', () => {
    const table = liveMarkdown(
      run,
      [
        // The first fault's incident blames a caller but names the faulty service.
        incident(start + minuteMs + 20_000, 'ts-travel-service', ['ts-basic-service']),
        // The second fault's window opens an incident about other services only.
        incident(start + 5 * minuteMs + 30_000, 'ts-travel-service', ['ts-station-service']),
      ],
      start,
      liveSettings({ LIVE_PROFILE: 'full', LIVE_DAYS: '2023-01-29' }),
    );
    expect(table).toContain('| faults detected | 2/2 (100%) |');
    expect(table).toContain(
      '| of them, by an incident that names the faulty service | 1/2 (50%) |',
    );
    expect(table).toMatch(/\| 1 \| [^\n]* \| 20 \| ts-travel-service \| yes \|/);
    expect(table).toMatch(/\| 2 \| [^\n]* \| 30 \| ts-travel-service \| no \|/);
  });

  it('reads the false-incident rate on the recordings, not the looped minute, and what it opens in the fault windows by chance', () => {
    // One recorded minute before the first injection besides the looped one; one incident in each.
    const withRecorded: LivePlan = {
      ...run,
      scored: [
        ...run.scored,
        { from: start - minuteMs, to: start, day: '2023-01-29', looped: false },
      ],
    };
    const table = liveMarkdown(
      withRecorded,
      [
        incident(start - 30_000, 'ts-order-service', []),
        incident(start + 30_000, 'ts-order-service', []),
        incident(start + minuteMs + 20_000, 'ts-basic-service', []),
        incident(start + 5 * minuteMs + 50_000, 'ts-travel-service', ['ts-food-service']),
      ],
      start,
      liveSettings({ LIVE_PROFILE: 'full', LIVE_DAYS: '2023-01-29' }),
    );
    expect(table).toContain('| false incidents, fault-free traffic | 2 in 2.0 min (60.0/h)');
    expect(table).toContain(
      '| false incidents, recorded traffic before the injections | 1 in 1.0 min (60.0/h) |',
    );
    // At one incident a minute, a four-minute window holds one with probability 1 - e^-4.
    expect(table).toContain('| detections expected by chance at that rate | 2.0 of 2 |');
    expect(expectedByChance(run.slots, 0.25)).toBeCloseTo(2 * (1 - Math.exp(-1)), 9);
    expect(table).toContain(
      '| median time to detect, by an incident that names the faulty service | 35 s |',
    );
  });
});
