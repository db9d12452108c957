import type { Client } from '@temporalio/client';

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
];
