import type { Client } from '@temporalio/client';
import { signalIncident } from '../../activities/incident-signal';
import { runbookReplayScenarios } from '../runbooks/replay-scenarios';

/**
 * Workflow runs whose histories are recorded (npm run record:histories) and replayed by the
 * replay test against the current code: a change that breaks determinism fails that test.
 */
export interface ReplayScenario {
  name: string;
  /** Runs the workflow to completion and returns its workflow id. */
  run(client: Client, taskQueue: string): Promise<string>;
}

export const replayScenarios: ReplayScenario[] = [
  {
    name: 'heartbeat',
    async run(client, taskQueue) {
      const handle = await client.workflow.start('heartbeatWorkflow', {
        taskQueue,
        workflowId: 'replay-heartbeat',
      });
      await handle.result();
      return handle.workflowId;
    },
  },
  {
    name: 'incident-open-attach-resolve',
    async run(client, taskQueue) {
      const at = '2026-01-01T00:00:00.000Z';
      const candidate = (service: string) => ({
        fingerprint: 'replay-db',
        service: 'db',
        services: [service],
        anomalies: [
          {
            seriesKey: `svc:${service}:p95`,
            service,
            signal: 'latency' as const,
            score: 0.98,
            value: 900,
            baseline: 20,
            at,
          },
        ],
        observedAt: at,
      });
      const opts = { taskQueue, quietPeriodSeconds: 2 };
      const workflowId = await signalIncident(client, candidate('db'), opts);
      await signalIncident(client, candidate('cart'), opts);
      await client.workflow.getHandle(workflowId).result();
      return workflowId;
    },
  },
  {
    name: 'incident-reopen',
    async run(client, taskQueue) {
      const at = '2026-01-01T00:00:00.000Z';
      const candidate = {
        fingerprint: 'replay-reopen',
        service: 'db',
        services: ['db'],
        anomalies: [
          {
            seriesKey: 'svc:db:p95',
            service: 'db',
            signal: 'latency' as const,
            score: 0.98,
            value: 900,
            baseline: 20,
            at,
          },
        ],
        observedAt: at,
      };
      const opts = { taskQueue, quietPeriodSeconds: 2, reopenSeconds: 600 };
      const workflowId = await signalIncident(client, candidate, opts);
      await client.workflow.getHandle(workflowId).result();
      // The fault back within the reopen window: this run reopens the resolved incident.
      await signalIncident(client, { ...candidate, key: 'again' }, opts);
      await client.workflow.getHandle(workflowId).result();
      return workflowId;
    },
  },
  ...runbookReplayScenarios,
];
