import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from './config';

export const heartbeatScheduleId = 'aiops-heartbeat';

/** Creates the heartbeat Schedule, or brings an existing one up to date: safe on every start. */
export async function ensureHeartbeatSchedule(
  client: Client,
  config: Config,
): Promise<'created' | 'updated'> {
  const spec = { intervals: [{ every: config.heartbeatIntervalSeconds * 1000 }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'heartbeatWorkflow',
    taskQueue: config.taskQueues.housekeeping,
    workflowExecutionTimeout: '5 minutes' as const,
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' as const };
  try {
    await client.schedule.create({
      scheduleId: heartbeatScheduleId,
      spec,
      action: { ...action, workflowId: 'aiops-heartbeat' },
      policies,
      memo: { purpose: 'liveness of the schedule → workflow → activity → PostgreSQL chain' },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(heartbeatScheduleId).update((previous) => ({
      ...previous,
      spec,
      action: { ...action, workflowId: 'aiops-heartbeat' },
      policies,
    }));
    return 'updated';
  }
}
