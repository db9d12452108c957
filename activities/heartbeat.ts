import { Context } from '@temporalio/activity';
import type { Pool } from '../store/db';
import { recordHeartbeat } from '../store/heartbeat';

export interface HeartbeatDeps {
  pool: Pool;
}

export function createHeartbeatActivities({ pool }: HeartbeatDeps) {
  return {
    /** Records that this workflow run happened; keyed by run so retries write once. */
    async recordHeartbeat(scheduledAt: string): Promise<void> {
      const { workflowExecution, activityId } = Context.current().info;
      await recordHeartbeat(pool, {
        workflowId: workflowExecution?.workflowId ?? `activity:${activityId}`,
        runId: workflowExecution?.runId ?? activityId,
        scheduledAt: new Date(scheduledAt),
      });
    },
  };
}
