import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faultLeadMs } from '../../workflows/incident/investigation-window';
import type { Anomaly } from '../../workflows/incident/types';
import { runbook } from '../../workflows/search-attributes';
import { incidentHarness } from '../setup/incident-harness';

describe('incident remediation attempts', () => {
  const harness = incidentHarness(join(__dirname, 'remedy-fakes', 'workflows.ts'));

  function run(scenario: string, also: Anomaly['signal'][] = []) {
    return harness.run(scenario, { service: 'cart', also, quietPeriodSeconds: 1 });
  }

  it('tries the next fitting remedy after one that could not act', async () => {
    const { state, workflowId, described } = await run('next');
    expect(state.remedies).toEqual([
      'k8s-rollback v2: not_applicable',
      'k8s-rollout-restart v1: succeeded',
    ]);
    expect(state.remediationOutcome).toBe('succeeded');
    expect(state.resolution).toBe('no new anomaly for 1 s');
    expect(state.notes).toContain(
      'runbook k8s-rollout-restart v1 (attempt 2 of at most 3): least risky remedy for logs faults',
    );
    const inputs = await harness.runbookInputs(state.incidentId, 2);
    expect(inputs.map((i) => i.symptom)).toEqual([
      { incidentWorkflowId: workflowId, clearedAfterSeconds: 1 },
      { incidentWorkflowId: workflowId, clearedAfterSeconds: 1 },
    ]);
    expect(described.typedSearchAttributes.get(runbook)).toBe('k8s-rollout-restart v1');
  }, 60_000);

  it('passes each attempt the symptom its verification must see come back', async () => {
    const { state } = await run('next', ['saturation', 'errors', 'traffic']);
    const [first, second] = await harness.runbookInputs(state.incidentId, 2);
    const check = first!.symptom!.check!;
    expect(check.signals).toEqual(['errors', 'latency']);
    // The service's health before the incident: the quiet baseline (the harness's stand-in
    // reaches 15 minutes back past an earlier incident of the service, left out).
    const baselineTo = Date.parse(check.baselineTo);
    expect(baselineTo).toBeLessThan(Date.parse(state.openedAt));
    expect(baselineTo - Date.parse(check.baselineFrom)).toBe(15 * 60_000);
    expect(check.excluded).toEqual([
      {
        from: new Date(baselineTo - 7 * 60_000).toISOString(),
        to: new Date(baselineTo - 2 * 60_000).toISOString(),
      },
    ]);
    // The fault's own level is read from the first anomaly, a lead after the baseline's end.
    expect(Date.parse(check.faultFrom!)).toBe(baselineTo + faultLeadMs);
    expect(Date.parse(check.faultFrom!)).toBeLessThanOrEqual(Date.parse(state.openedAt));
    expect(second!.symptom!.check).toEqual(check);
  }, 60_000);

  it('never runs a runbook twice, and stops after the fitting ones (at most 3)', async () => {
    const { state } = await run('allfail');
    expect(state.remedies).toEqual([
      'k8s-rollback v2: failed',
      'k8s-rollout-restart v1: rolled_back',
      'notify-only v1: failed',
    ]);
    expect(state.remediationOutcome).toBe('failed');
  }, 60_000);

  it('tries nothing after a human rejected the remedy', async () => {
    const { state } = await run('rejected');
    expect(state.remedies).toEqual(['k8s-rollback v2: rejected']);
  }, 60_000);

  it('records that the incident recovered by itself when the symptom cleared before the change', async () => {
    const { state } = await run('cleared');
    expect(state.remedies).toEqual(['k8s-rollback v2: not_needed']);
    expect(state.remediationOutcome).toBe('not_needed');
    expect(state.resolution).toBe(
      'no new anomaly for 1 s; recovered by itself before k8s-rollback v2 acted',
    );
  }, 60_000);

  it('gives no credit to a success whose change came after the fault had passed', async () => {
    const { state } = await run('late');
    expect(state.remedies).toEqual(['k8s-rollback v2: succeeded']);
    expect(state.remediationOutcome).toBe('not_needed');
    expect(state.resolution).toMatch(
      /^no new anomaly for 1 s; recovered by itself: its last anomaly began at \S+, before k8s-rollback v2's first change at \S+$/,
    );
  }, 60_000);
});
