/**
 * The offline Nezha bench records each replayed fault as the incident a running engine would
 * have opened (issue #20, round 22): a period that covers the fault's data and leaves the next
 * fault's baseline alone, so the ranking main's code gives is unchanged by it.
 */
import { describe, expect, it } from 'vitest';
import { faultSlots } from '../../bench/nezha/bench';
import type { FaultReplay } from '../../bench/nezha/replay';
import { slotIncident } from '../../bench/nezha/slot-incidents';
import { incidentMargins } from '../../store/incidents';

function replayAt(injectAt: Date): FaultReplay {
  return {
    fault: {} as FaultReplay['fault'],
    window: { start: injectAt, end: new Date(injectAt.getTime() + 3 * 60_000) },
    baselineMinutes: 3,
    baseline: 'fault-free minute',
    absent: { trace: [], log: [] },
    requests: [],
    counts: { spans: 0, logs: 0, metricRows: 0 },
  };
}

describe('slotIncident', () => {
  it('covers the fault from its injection to its last data, with no services', () => {
    const { injectAt } = faultSlots(4);
    const replay = replayAt(injectAt(1));
    const incident = slotIncident(replay, 1);
    expect(Date.parse(incident.openedAt)).toBe(replay.window.start.getTime());
    expect(Date.parse(incident.lastAnomalyAt)).toBe(replay.window.end.getTime());
    expect(incident.services).toEqual([]);
    expect(incident.incidentId).not.toBe(slotIncident(replay, 2).incidentId);
  });

  it('ends, with the store’s tail, before the next fault’s baseline begins', () => {
    const { injectAt } = faultSlots(4);
    for (let i = 0; i < 3; i++) {
      const replay = replayAt(injectAt(i));
      const periodEnd = Date.parse(slotIncident(replay, i).lastAnomalyAt) + incidentMargins.tailMs;
      const nextBaseline = injectAt(i + 1).getTime() - replay.baselineMinutes * 60_000;
      expect(periodEnd).toBeLessThanOrEqual(nextBaseline);
    }
  });
});
