import { describe, expect, it } from 'vitest';
import { firstPicks } from '../../activities/rca/features';
import { corroborated, decisive, revisionNote } from '../../workflows/incident/matured-rank';
import { incidentDetails } from '../../workflows/incident/details';
import type { IncidentState } from '../../workflows/incident/types';

describe('ranking an incident again when its window has matured', () => {
  it('acts on the opening ranking only when its top candidate has no close rival', () => {
    expect(decisive([])).toBe(false);
    expect(decisive([{ service: 'order', score: 0.3 }])).toBe(true);
    expect(
      decisive([
        { service: 'order', score: 0.6 },
        { service: 'travel', score: 0.2 },
      ]),
    ).toBe(true);
    expect(
      decisive([
        { service: 'order', score: 0.3 },
        { service: 'travel', score: 0.2 },
      ]),
    ).toBe(false);
  });

  it("calls a clear lead decisive only for one of the incident's services", () => {
    const clear = [
      { service: 'order', score: 0.9 },
      { service: 'travel', score: 0.1 },
    ];
    expect(decisive(clear, ['order', 'auth'])).toBe(true);
    // A top the incident's anomalies never named waits for the matured window, however clear.
    expect(decisive(clear, ['gateway', 'auth'])).toBe(false);
    expect(decisive([{ service: 'order', score: 1 }], ['gateway'])).toBe(false);
  });

  it('calls a top corroborated when at least two members pick it first', () => {
    expect(corroborated('order', { baro: 'order', gnn: 'order', logs: 'travel' })).toBe(true);
    expect(corroborated('order', { baro: 'order', gnn: 'travel', logs: 'auth' })).toBe(false);
    expect(corroborated(undefined, { baro: 'order' })).toBe(false);
    // A ranking recorded before the members' picks were carried cannot say.
    expect(corroborated('order', undefined)).toBe(true);
  });

  it("takes each member's highest-scoring service as its first pick, none when it scored nothing", () => {
    const c = (service: string, score: number) => ({
      service,
      score,
      kind: 'latency' as const,
      evidence: {},
    });
    expect(
      firstPicks({
        baro: [c('travel', 2), c('order', 5)],
        circa: [c('order', 0), c('travel', 0)],
        logs: [],
      }),
    ).toEqual({ baro: 'order' });
  });

  it('leaves out a first pick resting on a line about a call: it points at the callee', () => {
    const logs = [
      { service: 'payment', score: 5, kind: 'logs' as const, evidence: { aboutCall: 'bank' } },
      { service: 'bank', score: 1, kind: 'logs' as const, evidence: {} },
    ];
    // The GNN describes its suspect with every member's evidence: its pick is its own reading.
    const gnn = [
      { service: 'payment', score: 0.9, kind: 'latency' as const, evidence: { aboutCall: 'bank' } },
    ];
    const picks = firstPicks({ logs, gnn });
    expect(picks).toEqual({ gnn: 'payment' });
    expect(corroborated('payment', picks)).toBe(false);
  });

  it('says from what to what the root cause was revised, and why', () => {
    const seconds = { opening: 75, matured: 240 };
    const at = '2026-12-05T04:10:00.000Z';
    expect(revisionNote(at, 'order', 'travel', seconds)).toBe(
      "root cause revised from order to travel: the opening's ranking (75 s of the fault window) " +
        'was not decisive; ranked again at 2026-12-05T04:10:00.000Z over 240 s',
    );
    expect(revisionNote(at, 'travel', 'travel', seconds)).toMatch(/^root cause travel confirmed: /);
  });

  it("shows the revision in the incident's details", () => {
    const state: IncidentState = {
      incidentId: 'incident-1',
      fingerprint: 'order',
      service: 'order',
      services: ['order', 'travel'],
      status: 'open',
      severity: 'high',
      openedAt: '2026-12-05T04:06:00Z',
      lastAnomalyAt: '2026-12-05T04:09:00Z',
      anomalyCount: 6,
      topAnomalies: [],
      rootCause: { service: 'travel', kind: 'latency', score: 0.4 },
      rootCauseRevisedFrom: 'order',
    };
    expect(incidentDetails(state)).toContain('| root cause revised | from order to travel |');
  });
});
