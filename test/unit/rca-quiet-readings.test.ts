/**
 * A metric level counts as known only if the system reached it while no incident was going on
 * (issue #20, round 22): a fault that comes back within the hour is not the system's routine.
 * The store leaves the incidents' periods out of the metric history (`metricHistoryReadings`,
 * test/integration/quiet-history.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { metricBeyondHistory } from '../../activities/rca/signals';

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
