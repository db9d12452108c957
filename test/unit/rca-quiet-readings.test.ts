/**
 * A metric level counts as known only if the system reached it while no incident was going on
 * (issue #20, round 22): a fault that comes back within the hour is not the system's routine.
 * The store leaves the incidents' periods out of each history (`metricHistoryReadings`,
 * `historyLogGroups`, `operationLatencyLevels`; test/integration/quiet-history.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { metricBeyondHistory } from '../../activities/rca/signals';
import { quietMs, wholeMinutesOf } from '../../store/quiet-time';

const minute = 60_000;
/** An hour of one reading a minute: quiet, but at 29 s for minutes 20–23 and 40–43. */
const hour = Array.from({ length: 60 }, (_, i) => ({
  ms: i * minute,
  value: i % 20 < 4 && i >= 20 ? 29 : 0.005,
}));
const quiet = [0.005, 0.0049, 0.005, 0.0049, 0.005, 0.005, 0.0049, 0.005, 0.005, 0.0049];
const whileQuiet = (incidents: { from: number; to: number }[]) =>
  hour.filter((r) => !incidents.some((o) => r.ms >= o.from && r.ms < o.to)).map((r) => r.value);

describe('a metric history of quiet time', () => {
  it('keeps a level news when the hour reached it only while incidents were open', () => {
    const values = [...quiet, 29, 29];
    // Reached in 8 of 60 readings: known when every reading counts.
    expect(metricBeyondHistory(values, quiet.length, whileQuiet([])).z).toBeLessThan(1);
    const incidents = [
      { from: 19 * minute, to: 25 * minute },
      { from: 39 * minute, to: 45 * minute },
    ];
    expect(metricBeyondHistory(values, quiet.length, whileQuiet(incidents)).z).toBeGreaterThan(1e4);
    // One of the two episodes in quiet time: the level is the system's own again.
    const one = whileQuiet(incidents.slice(0, 1));
    expect(metricBeyondHistory(values, quiet.length, one).z).toBeLessThan(1);
  });
});

describe('quietMs', () => {
  const window = { from: 0, to: 60 * minute };

  it('counts the time no period covers, overlapping periods once, outside ones not at all', () => {
    expect(quietMs(window, [])).toBe(60 * minute);
    const periods = [
      { from: 10 * minute, to: 20 * minute },
      { from: 15 * minute, to: 25 * minute },
      { from: 30 * minute, to: 31 * minute },
      { from: -5 * minute, to: 2 * minute },
      { from: 55 * minute, to: 70 * minute },
      { from: 80 * minute, to: 90 * minute },
    ];
    expect(quietMs(window, periods)).toBe((60 - 15 - 1 - 2 - 5) * minute);
    expect(quietMs(window, [{ from: -minute, to: 61 * minute }])).toBe(0);
  });

  it('widens periods to the whole minutes they touch', () => {
    expect(wholeMinutesOf([{ from: 90_500, to: 150_000 }])).toEqual([
      { from: minute, to: 3 * minute },
    ]);
    expect(wholeMinutesOf([{ from: 2 * minute, to: 3 * minute }])).toEqual([
      { from: 2 * minute, to: 3 * minute },
    ]);
  });
});
