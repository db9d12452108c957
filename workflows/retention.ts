import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RetentionPolicy } from '../activities/retention';

const { ensureTelemetryPartitionsAhead, dropExpiredTelemetryPartitions } =
  proxyActivities<Activities>({
    startToCloseTimeout: '5 minutes',
    retry: { maximumInterval: '1 minute', maximumAttempts: 10 },
  });

export interface RetentionSummary {
  partitionsCreated: number;
  partitionsDropped: string[];
}

/**
 * Telemetry partition upkeep, run by a Temporal Schedule: create the coming hours' partitions
 * first (ingest must never find one missing), then drop those past retention.
 */
export async function retentionWorkflow(policy: RetentionPolicy): Promise<RetentionSummary> {
  const partitionsCreated = await ensureTelemetryPartitionsAhead(policy.aheadHours);
  const partitionsDropped = await dropExpiredTelemetryPartitions(policy);
  return { partitionsCreated, partitionsDropped };
}
