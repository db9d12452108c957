import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { ActionCall } from './actions';
import type { ActionRequest, ActionResult } from './types';

type ActionFn = (request: ActionRequest<unknown>) => Promise<ActionResult<unknown>>;

/**
 * Calls an action activity under its idempotency key. Actions heartbeat while they wait, so a
 * worker that dies mid-action is noticed within the heartbeat timeout and the retry (on any
 * worker) finds the key already recorded on the target instead of acting again.
 */
export function invokeAction(
  call: ActionCall,
  actionId: string,
  options: { timeout: Duration; attempts: number },
): Promise<ActionResult<unknown>> {
  const actions = proxyActivities<Record<string, ActionFn>>({
    startToCloseTimeout: options.timeout,
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: '1 second',
      maximumInterval: '10 seconds',
      maximumAttempts: options.attempts,
    },
  });
  const run = actions[call.activity] as ActionFn;
  return run({ actionId, params: call.params });
}

/** The activity's own message (not the SDK's wrapper text) for records and reasons. */
export function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure) return err.cause?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}
