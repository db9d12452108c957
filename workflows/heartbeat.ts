import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { recordHeartbeat } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumInterval: '10 seconds' },
});

/** Scheduled liveness probe: proves the Schedule → workflow → activity → PostgreSQL chain. */
export async function heartbeatWorkflow(): Promise<void> {
  await recordHeartbeat(workflowInfo().runStartTime.toISOString());
}
