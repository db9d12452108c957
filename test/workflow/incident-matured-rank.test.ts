import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { IncidentState } from '../../workflows/incident/types';
import { rootCause, rootCauseRevisedFrom } from '../../workflows/search-attributes';
import { incidentHarness } from '../setup/incident-harness';

describe('an incident ranks again when its window has matured', () => {
  const harness = incidentHarness(join(__dirname, 'rerank-fakes', 'workflows.ts'));

  function run(scenario: string, quietPeriodSeconds: number, maturedRankSeconds = 2) {
    return harness.run(scenario, { service: 'order', quietPeriodSeconds, maturedRankSeconds });
  }

  /** Both rankings ran, the runbook after them, and the matured answer replaced the opening's. */
  function expectRevised(state: IncidentState, children: string[], from: string, to: string) {
    expect(children).toEqual([
      `investigation-${state.incidentId}`,
      `investigation-${state.incidentId}-matured`,
      runbookWorkflowId(state.incidentId, 1),
    ]);
    expect(state.rootCause?.service).toBe(to);
    expect(state.rootCauseRevisedFrom).toBe(from);
  }

  it('keeps the matured answer, says it revised the root cause, and remediates on it', async () => {
    const { state, described, children } = await run('revise', 6);
    expectRevised(state, children, 'order', 'travel');
    expect(state.summary).toBe('travel logs new errors');
    expect(
      state.notes?.some((n: string) => n.startsWith('root cause revised from order to travel: ')),
    ).toBe(true);
    expect(described.typedSearchAttributes.get(rootCause)).toBe('travel');
    expect(described.typedSearchAttributes.get(rootCauseRevisedFrom)).toBe('order');
    const [input] = await harness.runbookInputs(state.incidentId, 1);
    expect(input!.service).toBe('travel');
  }, 60_000);

  it('acts on a decisive opening ranking at once and does not rank again', async () => {
    const { state, described, children } = await run('decisive', 6);
    expect(children).toEqual([
      `investigation-${state.incidentId}`,
      runbookWorkflowId(state.incidentId, 1),
    ]);
    expect(state.rootCause?.service).toBe('order');
    expect(state.rootCauseRevisedFrom).toBeUndefined();
    expect(described.typedSearchAttributes.get(rootCauseRevisedFrom)).toBeUndefined();
  }, 60_000);

  it("waits for the matured window when the opening's clear top is none of the incident's services", async () => {
    const { state, children } = await run('unnamed', 6);
    expectRevised(state, children, 'travel', 'order');
    const [input] = await harness.runbookInputs(state.incidentId, 1);
    expect(input!.service).toBe('order');
  }, 60_000);

  it("waits for the matured window when the opening's clear top is one member's pick alone", async () => {
    const { state, children } = await run('lone', 6);
    expectRevised(state, children, 'order', 'travel');
    const [input] = await harness.runbookInputs(state.incidentId, 1);
    expect(input!.service).toBe('travel');
  }, 60_000);

  it('ranks again at once when the incident went quiet before its window matured', async () => {
    const started = Date.now();
    const { state, children } = await run('quiet', 1, 30);
    // Long before the 30 s it would have waited for the window to mature.
    expect(Date.now() - started).toBeLessThan(25_000);
    expectRevised(state, children, 'order', 'travel');
    expect(state.status).toBe('resolved');
  }, 60_000);
});
