import { describe, expect, it } from 'vitest';
import type { RunbookInput } from '../../runbooks/sdk/types';
import { chooseRunbook } from '../../workflows/incident/choose-runbook';

const incident = (
  kind: NonNullable<RunbookInput['rootCause']>['kind'],
  extra: Partial<RunbookInput> = {},
) => ({
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

  it('never picks a runbook whose target is unknown, and falls back to notify-only', () => {
    const nowhere = incident('errors', { deployment: undefined, namespace: undefined });
    expect(chooseRunbook(nowhere, undefined, 'k8s-rollback').entry.name).toBe('notify-only');
  });

  it('uses the latest version of a runbook', () => {
    expect(chooseRunbook(incident('saturation'), undefined, null).entry.version).toBe(2);
  });
});
