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

/** A fault blaming db, seen as one latency anomaly at `service`. */
function latencyCandidate(fingerprint: string, service: string) {
  const at = '2026-01-01T00:00:00.000Z';
  return {
    fingerprint,
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
  };
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
      const opts = { taskQueue, quietPeriodSeconds: 2 };
      const workflowId = await signalIncident(client, latencyCandidate('replay-db', 'db'), opts);
      await signalIncident(client, latencyCandidate('replay-db', 'cart'), opts);
      await client.workflow.getHandle(workflowId).result();
      return workflowId;
    },
  },
  {
    name: 'incident-reopen',
    async run(client, taskQueue) {
      const candidate = latencyCandidate('replay-reopen', 'db');
      const opts = { taskQueue, quietPeriodSeconds: 2, reopenSeconds: 600 };
      const workflowId = await signalIncident(client, candidate, opts);
      await client.workflow.getHandle(workflowId).result();
      // The fault back within the reopen window: this run reopens the resolved incident.
      await signalIncident(client, { ...candidate, key: 'again' }, opts);
      await client.workflow.getHandle(workflowId).result();
      return workflowId;
    },
  },
  {
    // Recorded with the rule that only sustaining evidence keeps an incident open (its patch
    // marker is in the history): a gauge that only backs the incident arrives before it resolves.
    name: 'incident-backing-gauge',
    async run(client, taskQueue) {
      const opts = { taskQueue, quietPeriodSeconds: 2 };
      const opened = latencyCandidate('replay-gauge', 'db');
      const workflowId = await signalIncident(client, opened, opts);
      const gauge = opened.anomalies.map((a) => ({
        ...a,
        seriesKey: 'metric:db:db.operation.duration.avg',
        signal: 'saturation' as const,
      }));
      await signalIncident(
        client,
        { ...opened, key: 'gauge', anomalies: gauge, backsOnly: true },
        opts,
      );
      await client.workflow.getHandle(workflowId).result();
      return workflowId;
    },
  },
  {
    // Recorded with the second ranking when the window has matured (its patch marker is in the
    // history): the store is empty, so neither ranking is decisive and the incident waits for
    // the matured one before it may go quiet.
    name: 'incident-matured-rank',
    async run(client, taskQueue) {
      const opened = latencyCandidate('replay-matured', 'db');
      const at = new Date().toISOString();
      const candidate = {
        ...opened,
        anomalies: opened.anomalies.map((a) => ({ ...a, at })),
        observedAt: at,
      };
      const opts = { taskQueue, quietPeriodSeconds: 4, maturedRankSeconds: 2 };
      const workflowId = await signalIncident(client, candidate, opts);
      await client.workflow.getHandle(workflowId).result();
      return workflowId;
    },
  },
  ...runbookReplayScenarios,
];
