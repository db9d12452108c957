import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { rankWindow } from '../../activities/investigation';
import { queryBounds } from '../../store/query-bounds';
import type { InvestigationInput } from '../../workflows/investigation/types';
import { useTemporalAndSharedDatabase } from '../setup/suite';

describe('an investigation is bounded in time and memory', () => {
  const suite = useTemporalAndSharedDatabase();

  it.each([
    ['a 25-year window', { faultStart: '2001-01-01T00:00:00.000Z', baselineMinutes: 10 }],
    ['an astronomic baseline', { faultStart: '2026-01-01T00:00:00.000Z', baselineMinutes: 1e300 }],
    ['an end before its start', { faultStart: '2026-01-01T02:00:00.000Z', baselineMinutes: 10 }],
  ])('fails the workflow at once on %s, before any activity', async (_, window) => {
    const { env, pool } = suite;
    const workflowId = `investigation-bounds-${env.taskQueue}-${window.faultStart}-${window.baselineMinutes}`;
    const input: InvestigationInput = {
      investigationId: workflowId,
      end: '2026-01-01T01:00:00.000Z',
      ...window,
    };
    const failure = await env.withWorker({ pool }, () =>
      env.client.workflow
        .execute('investigationWorkflow', { taskQueue: env.taskQueue, workflowId, args: [input] })
        .then(
          () => undefined,
          (err: unknown) => err,
        ),
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'InvalidInvestigationInput', nonRetryable: true });
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    expect(history.events?.some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);
  });

  it('fails the ranking activity, not the process, when the evidence would not fit its budget', async () => {
    const { pool } = suite;
    const ranking = rankWindow(pool, {
      faultStart: new Date('2001-01-01T00:00:00Z'),
      end: new Date('2026-01-01T00:00:00Z'),
      baselineMs: 600_000,
    });
    await expect(ranking).rejects.toMatchObject({
      type: 'InvestigationMemoryBudgetExceeded',
      nonRetryable: true,
    });
  });

  it('bounds the run time of every statement of the engine', async () => {
    const { pool } = suite;
    const { rows } = await pool.query<{ statement_timeout: string }>('SHOW statement_timeout');
    expect(rows[0]?.statement_timeout).toBe(`${queryBounds.statementTimeoutMs / 60_000}min`);
  });
});
