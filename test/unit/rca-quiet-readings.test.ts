/**
 * A metric level counts as known only if the system reached it while no incident was going on
 * (issue #20, round 22): a fault that comes back within the hour is not the system's routine.
 */
import { describe, expect, it } from 'vitest';
import { readingsWhileQuiet } from '../../activities/rca/quiet-readings';
import { metricBeyondHistory } from '../../activities/rca/signals';

const minute = 60_000;
const reading = (ms: number, value: number) => ({
  timeUnixNano: BigInt(ms) * 1_000_000n,
  value,
});
/** An hour of one reading a minute: quiet, but at 29 s for minutes 20–23 and 40–43. */
const hour = Array.from({ length: 60 }, (_, i) =>
  reading(i * minute, i % 20 < 4 && i >= 20 ? 29 : 0.005),
);
const quiet = [0.005, 0.0049, 0.005, 0.0049, 0.005, 0.005, 0.0049, 0.005, 0.005, 0.0049];

describe('readingsWhileQuiet', () => {
  it('leaves out the readings inside any incident’s period, from its start up to its end', () => {
    const kept = readingsWhileQuiet(hour, [{ from: 20 * minute, to: 23 * minute }]);
    expect(kept).toHaveLength(57);
    expect(kept.map((r) => r.timeUnixNano)).not.toContain(BigInt(20 * minute) * 1_000_000n);
    expect(kept.map((r) => r.timeUnixNano)).toContain(BigInt(23 * minute) * 1_000_000n);
    expect(readingsWhileQuiet(hour, [])).toEqual(hour);
  });

  it('keeps a level news when the hour reached it only while incidents were open', () => {
    const values = [...quiet, 29, 29];
    const all = hour.map((r) => r.value);
    // Reached in 8 of 60 readings: known when every reading counts.
    expect(metricBeyondHistory(values, quiet.length, all).z).toBeLessThan(1);
    const incidents = [
      { from: 19 * minute, to: 25 * minute },
      { from: 39 * minute, to: 45 * minute },
    ];
    const whileQuiet = readingsWhileQuiet(hour, incidents).map((r) => r.value);
    expect(metricBeyondHistory(values, quiet.length, whileQuiet).z).toBeGreaterThan(1e4);
    // One of the two episodes in quiet time: the level is the system's own again.
    const one = readingsWhileQuiet(hour, incidents.slice(0, 1)).map((r) => r.value);
    expect(metricBeyondHistory(values, quiet.length, one).z).toBeLessThan(1);
  });
});
