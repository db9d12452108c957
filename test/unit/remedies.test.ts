import { describe, expect, it } from 'vitest';
import type { RunbookInput, StepRecord } from '../../runbooks/sdk/types';
import { clearedBeforeAction } from '../../runbooks/sdk/symptom';
import { nextRunbook } from '../../workflows/incident/choose-runbook';
import {
  passedBeforeChange,
  passedBeforeChangeMs,
  triesNextAfter,
} from '../../workflows/incident/remedies';

const incident: RunbookInput = {
  incidentId: 'i-1',
  service: 'cartservice',
  namespace: 'shop',
  deployment: 'cartservice',
  rootCause: { service: 'cartservice', kind: 'errors', score: 0.9 },
  recentDeploy: { version: '2', firstSeen: '2026-12-05T00:00:00.000Z' },
};

describe('the next remedy of an incident', () => {
  it('chooses among the fitting runbooks not tried yet, and none once all were', () => {
    const first = nextRunbook(incident, undefined, null, []);
    expect(first?.entry.name).toBe('k8s-rollback');
    const second = nextRunbook(incident, undefined, null, ['k8s-rollback']);
    expect(second?.entry.name).not.toBe('k8s-rollback');
    const tried = ['k8s-rollback'];
    for (let next = second; next; next = nextRunbook(incident, undefined, null, tried)) {
      expect(tried).not.toContain(next.entry.name);
      tried.push(next.entry.name);
    }
    expect(tried.at(-1)).toBe('notify-only');
  });

  it('skips a tried runbook the knowledge graph or the summary recommends', () => {
    const latency: RunbookInput = {
      incidentId: 'i-2',
      service: 'cartservice',
      namespace: 'shop',
      deployment: 'cartservice',
      rootCause: { service: 'cartservice', kind: 'latency', score: 0.9 },
    };
    const graph = { runbook: 'k8s-rollout-restart', successes: 3, failures: 0 };
    expect(nextRunbook(latency, graph, null, [])?.entry.name).toBe('k8s-rollout-restart');
    expect(nextRunbook(latency, graph, null, ['k8s-rollout-restart'])?.reason).not.toMatch(
      /knowledge graph/,
    );
    expect(nextRunbook(latency, undefined, 'k8s-rollback', [])?.entry.name).toBe('k8s-rollback');
    expect(nextRunbook(latency, undefined, 'k8s-rollback', ['k8s-rollback'])?.reason).not.toBe(
      'recommended by the investigation summary',
    );
  });

  it('is tried after a run that could not act or whose change failed, not after a human said no', () => {
    expect(
      ['failed', 'rolled_back', 'not_applicable'].every((o) => triesNextAfter(o as never)),
    ).toBe(true);
    for (const outcome of ['succeeded', 'rejected', 'unverified', 'not_needed', 'dry_run'] as const)
      expect(triesNextAfter(outcome)).toBe(false);
  });
});

describe('a symptom cleared before the action', () => {
  const heard = '2026-12-05T01:00:00.000Z';
  const at = (seconds: number) => Date.parse(heard) + seconds * 1000;

  it('counts as cleared once the incident was quiet for its quiet period', () => {
    expect(clearedBeforeAction(heard, 45, at(44))).toBeUndefined();
    expect(clearedBeforeAction(heard, 45, at(45))).toBe(
      'cleared before action: the incident heard no anomaly for 45 s (its quiet period is 45 s), so nothing was changed',
    );
  });

  const step = (startedAt?: string): StepRecord => ({
    name: 'rollback',
    activity: 'k8sRollbackDeployment',
    risk: 'medium',
    actionId: 'a',
    status: 'succeeded',
    ...(startedAt && { startedAt }),
  });

  it('withholds credit when the last anomaly began well before the first change', () => {
    const change = new Date(at(0) + passedBeforeChangeMs).toISOString();
    expect(passedBeforeChange(heard, 'k8s-rollback v2', [step(change)])).toBe(
      `recovered by itself: its last anomaly began at ${heard}, before k8s-rollback v2's first change at ${change}`,
    );
  });

  it('credits a change made while, or just after, the fault still showed', () => {
    const soon = new Date(at(0) + passedBeforeChangeMs - 1).toISOString();
    expect(passedBeforeChange(heard, 'k8s-rollback v2', [step(soon)])).toBeUndefined();
    expect(
      passedBeforeChange(heard, 'x v1', [step(new Date(at(-5)).toISOString())]),
    ).toBeUndefined();
  });

  it('says nothing of runs that changed nothing or recorded no start', () => {
    expect(passedBeforeChange(heard, 'x v1', [])).toBeUndefined();
    expect(passedBeforeChange(heard, 'x v1', [step()])).toBeUndefined();
  });
});
