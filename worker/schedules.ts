import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { rollupBucketSeconds } from '../store/telemetry-rollups';
import type { Config } from './config';

export interface EngineSchedule {
  scheduleId: string;
  workflowType: string;
  taskQueue: string;
  everySeconds: number;
  /** Seconds past each multiple of `everySeconds` (since the epoch) at which it fires. */
  offsetSeconds?: number;
  purpose: string;
  /** Arguments the scheduled workflow starts with. */
  args?: unknown[];
}

/**
 * Creates a Schedule, or brings an existing one up to date: safe on every start. Overlapping
 * runs are skipped (a slow pass must not pile up behind itself) and missed runs are caught up
 * only within a minute (after downtime, one pass covers the backlog anyway).
 */
export async function ensureSchedule(
  client: Client,
  schedule: EngineSchedule,
): Promise<'created' | 'updated'> {
  const spec = {
    intervals: [
      {
        every: schedule.everySeconds * 1000,
        ...(schedule.offsetSeconds && { offset: schedule.offsetSeconds * 1000 }),
      },
    ],
  };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: schedule.workflowType,
    workflowId: schedule.scheduleId,
    taskQueue: schedule.taskQueue,
    workflowExecutionTimeout: '5 minutes' as const,
    ...(schedule.args ? { args: schedule.args } : {}),
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' as const };
  try {
    await client.schedule.create({
      scheduleId: schedule.scheduleId,
      spec,
      action,
      policies,
      memo: { purpose: schedule.purpose },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule
      .getHandle(schedule.scheduleId)
      .update((previous) => ({ ...previous, spec, action, policies }));
    return 'updated';
  }
}

export function engineSchedules(config: Config): EngineSchedule[] {
  return [
    {
      scheduleId: config.scheduleIds.heartbeat,
      workflowType: 'heartbeatWorkflow',
      taskQueue: config.taskQueues.housekeeping,
      everySeconds: config.heartbeatIntervalSeconds,
      purpose: 'liveness of the schedule → workflow → activity → PostgreSQL chain',
    },
    {
      scheduleId: config.scheduleIds.detection,
      workflowType: 'detectionWorkflow',
      taskQueue: config.taskQueues.detection,
      everySeconds: config.detection.intervalSeconds,
      offsetSeconds: detectionOffsetSeconds(config.detection),
      purpose: 'score new telemetry rollups and open one incident per fault',
    },
    retentionSchedule(config),
  ];
}

/**
 * Passes fire just after a 10-second bucket's grace period ends, so a complete bucket waits for
 * no more than that second before it is scored (at a whole number of buckets per interval;
 * otherwise the phase drifts and no offset helps).
 */
export function detectionOffsetSeconds(detection: {
  intervalSeconds: number;
  graceSeconds: number;
}): number {
  if (detection.intervalSeconds % rollupBucketSeconds !== 0) return 0;
  return (Math.ceil(detection.graceSeconds) + 1) % detection.intervalSeconds;
}

/** Hourly telemetry partition upkeep: partitions a day ahead, drops past retention. */
export function retentionSchedule(config: Config): EngineSchedule {
  return {
    scheduleId: config.scheduleIds.retention,
    workflowType: 'retentionWorkflow',
    taskQueue: config.taskQueues.housekeeping,
    everySeconds: 3600,
    purpose: 'create telemetry partitions ahead and drop those past retention',
    args: [
      {
        rawRetentionHours: config.retention.rawHours,
        rollupRetentionDays: config.retention.rollupDays,
        aheadHours: 24,
      },
    ],
  };
}

export function ensureRetentionSchedule(client: Client, config: Config) {
  return ensureSchedule(client, retentionSchedule(config));
}
