import { describe, expect, it } from 'vitest';
import { runbooksFor } from '../../runbooks/catalog';
import type { RunbookInput } from '../../runbooks/sdk/types';
import { chooseRunbook } from '../../workflows/incident/choose-runbook';

const incident = (
  kind: NonNullable<RunbookInput['rootCause']>['kind'],
  extra: Partial<RunbookInput> = {},
): RunbookInput & { rootCause: NonNullable<RunbookInput['rootCause']> } => ({
  incidentId: 'i-1',
  service: 'cartservice',
  namespace: 'shop',
  deployment: 'cartservice',
  rootCause: { service: 'cartservice', kind, score: 0.9 },
  ...extra,
});

describe('choosing a runbook for an incident', () => {
  it('prefers what fixed this root cause before, per the knowledge graph', () => {
    const choice = chooseRunbook(
      incident('latency'),
      { runbook: 'k8s-rollout-restart', successes: 3, failures: 1 },
      null,
    );
    expect(choice.entry.name).toBe('k8s-rollout-restart');
    expect(choice.reason).toMatch(/3 time/);
  });

  it('ignores a graph recommendation that failed as often as it worked', () => {
    const choice = chooseRunbook(
      incident('errors'),
      { runbook: 'k8s-rollout-restart', successes: 1, failures: 1 },
      null,
    );
    expect(choice.entry.name).toBe('k8s-rollback');
  });

  it('rolls back a version deployed shortly before the fault, whatever the kind', () => {
    const recentDeploy = { version: '1.4.0-hotfix.1', firstSeen: '2026-11-26T08:09:00.000Z' };
    for (const kind of ['dependency', 'errors', 'memory'] as const) {
      const choice = chooseRunbook(incident(kind, { recentDeploy }), undefined, 'notify-only');
      expect(choice.entry.name).toBe('k8s-rollback');
      expect(choice.reason).toMatch(/1\.4\.0-hotfix\.1 was deployed/);
    }
    // Without a Deployment to roll back, the deploy changes nothing.
    const hosted = incident('dependency', { recentDeploy, deployment: undefined });
    expect(chooseRunbook(hosted, undefined, null).entry.name).toBe('notify-only');
  });

  it("follows the summary's recommendation when it fits the incident", () => {
    expect(chooseRunbook(incident('saturation'), undefined, 'k8s-rollout-restart').entry.name).toBe(
      'k8s-rollout-restart',
    );
  });

  it('takes the least risky remedy for the root-cause kind otherwise', () => {
    expect(chooseRunbook(incident('saturation'), undefined, null).entry.name).toBe('k8s-scale-out');
    expect(chooseRunbook(incident('errors'), undefined, null).entry.name).toBe('k8s-rollback');
  });

  it('raises the memory limit of an OOM-killed root cause, where a restart would change nothing', () => {
    const oom = incident('memory');
    oom.rootCause = { ...oom.rootCause, findings: ['oomKilled', 'alert'] };
    const restartWorkedBefore = { runbook: 'k8s-rollout-restart', successes: 4, failures: 0 };
    for (const graph of [undefined, restartWorkedBefore]) {
      const choice = chooseRunbook(oom, graph, 'k8s-rollout-restart');
      expect(choice.entry.name).toBe('k8s-raise-memory-limit');
    }
    // A leak the platform did not see killed: a restart clears it, as before.
    expect(chooseRunbook(incident('memory'), undefined, null).entry.name).toBe(
      'k8s-rollout-restart',
    );
  });

  it('deletes crash-looping pods, unless a release just before explains the crashes', () => {
    const crashing = incident('errors');
    crashing.rootCause = { ...crashing.rootCause, findings: ['crashing'] };
    expect(chooseRunbook(crashing, undefined, null).entry.name).toBe(
      'k8s-delete-crashlooping-pods',
    );
    const recentDeploy = { version: '2.0.0', firstSeen: '2026-12-03T11:00:00.000Z' };
    expect(chooseRunbook({ ...crashing, recentDeploy }, undefined, null).entry.name).toBe(
      'k8s-rollback',
    );
  });

  it('cordons the node of evicted pods when the input names it, before draining it', () => {
    const evicted = incident('memory', { node: 'node-b' });
    evicted.rootCause = { ...evicted.rootCause, findings: ['evicted'] };
    expect(runbooksFor(evicted).map((e) => e.name)).toEqual([
      'k8s-cordon-node',
      'k8s-drain-node',
      'notify-only',
      'k8s-rollout-restart',
    ]);
    expect(runbooksFor({ ...evicted, node: undefined }).map((e) => e.name)).not.toContain(
      'k8s-cordon-node',
    );
  });

  it('raises the bounds of the autoscaler a saturated service names', () => {
    expect(runbooksFor(incident('saturation')).map((e) => e.name)).not.toContain(
      'k8s-raise-hpa-bounds',
    );
    expect(
      runbooksFor(incident('saturation', { hpa: 'cartservice' })).map((e) => e.name),
    ).toContain('k8s-raise-hpa-bounds');
  });

  it('never picks a runbook whose target is unknown, and falls back to notify-only', () => {
    const nowhere = incident('errors', { deployment: undefined, namespace: undefined });
    expect(chooseRunbook(nowhere, undefined, 'k8s-rollback').entry.name).toBe('notify-only');
  });

  it('uses the latest version of a runbook', () => {
    expect(chooseRunbook(incident('saturation'), undefined, null).entry.version).toBe(2);
  });
});
