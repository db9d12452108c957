import { CancellationScope, log } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { isIrreversible, type Compensate, type Undo } from './actions';
import { failureMessage, invokeAction } from './invoke';
import type { StepRecord } from './types';

interface Entry {
  step: StepRecord;
  undo: Undo<never>;
  details: unknown;
  timeout: Duration;
}

/** Compensations are retried longer than steps: a half-rolled-back system is the worst state. */
const compensationAttempts = 5;

/**
 * The undo list of a run: every completed step pushes its compensation; on failure, rejection,
 * timeout, failed verification or cancellation they run newest first.
 */
export class Saga {
  private readonly entries: Entry[] = [];

  push(step: StepRecord, undo: Undo<never>, details: unknown, timeout: Duration) {
    this.entries.push({ step, undo, details, timeout });
  }

  /**
   * Runs every compensation in reverse order, shielded from cancellation (a cancelled run must
   * still be put back). Returns false when one failed; the others still run.
   */
  unwind(): Promise<boolean> {
    return CancellationScope.nonCancellable(async () => {
      let allUndone = true;
      for (let entry = this.entries.pop(); entry; entry = this.entries.pop()) {
        const { step, undo } = entry;
        const call = isIrreversible(undo)
          ? undo
          : (undo as Compensate<never>).call(entry.details as never);
        if (isIrreversible(call)) {
          step.compensation = { status: 'irreversible', detail: call.irreversible };
          continue;
        }
        try {
          const result = await invokeAction(call, `${step.actionId}/undo`, {
            timeout: entry.timeout,
            attempts: compensationAttempts,
          });
          step.compensation = { status: 'succeeded', detail: result.summary };
        } catch (err) {
          allUndone = false;
          step.compensation = { status: 'failed', detail: failureMessage(err) };
          log.error('compensation failed', { step: step.name, error: failureMessage(err) });
        }
      }
      return allUndone;
    });
  }
}
