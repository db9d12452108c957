import type { Client } from '@temporalio/client';
import { approveUpdate, runbookStatusQuery, runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookInput } from '../../runbooks/sdk/types';
import type { ReplayScenario } from '../replay/scenarios';
import { signedAnswer } from './fakes';

/**
 * Runbook histories for the replay test. The recorder's worker has no cluster, hosts or Slack,
 * so these cover the paths that need none: a dry run, a notification, a step failing (no
 * kubeconfig) and rolling back, a cancellation at an approval gate, an inspection failing (no
 * database) and an input refused.
 */
function runbookScenario(
  name: string,
  workflowType: string,
  input: Omit<RunbookInput, 'incidentId'>,
  drive: (client: Client, workflowId: string) => Promise<void> = async () => undefined,
): ReplayScenario {
  return {
    name,
    async run(client, taskQueue) {
      const workflowId = runbookWorkflowId(`replay-${name}`);
      const handle = await client.workflow.start(workflowType, {
        taskQueue,
        workflowId,
        args: [{ incidentId: `replay-${name}`, ...input }],
      });
      await drive(client, workflowId);
      await handle.result();
      return workflowId;
    },
  };
}

async function waitAtGate(client: Client, workflowId: string) {
  const handle = client.workflow.getHandle(workflowId);
  for (;;) {
    const status = await handle.query(runbookStatusQuery).catch(() => undefined);
    if (status?.awaiting) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function cancelAtGate(client: Client, workflowId: string) {
  await waitAtGate(client, workflowId);
  await client.workflow.getHandle(workflowId).cancel();
}

async function approveAtGate(client: Client, workflowId: string) {
  const handle = client.workflow.getHandle(workflowId);
  await waitAtGate(client, workflowId);
  await handle.executeUpdate(
    approveUpdate,
    await signedAnswer(handle, { decision: 'approve', approver: 'alice' }),
  );
}

const deployment = { service: 'cart', namespace: 'shop', deployment: 'cart' };

export const runbookReplayScenarios: ReplayScenario[] = [
  runbookScenario('runbook-restart-dry-run', 'k8sRolloutRestartV1', {
    ...deployment,
    dryRun: true,
  }),
  runbookScenario('runbook-notify-only', 'notifyOnlyV1', { service: 'cart', summary: 'p95 up' }),
  runbookScenario('runbook-scale-out-v1-step-fails', 'k8sScaleOutV1', deployment),
  runbookScenario('runbook-rollback-cancelled-at-gate', 'k8sRollbackV1', deployment, cancelAtGate),
  // runbook-rollback-approved-unsigned.json, recorded before approvals were signed, is kept as
  // it is: it proves runs answered by plain decisions still replay.
  runbookScenario('runbook-rollback-approved', 'k8sRollbackV1', deployment, approveAtGate),
  runbookScenario('runbook-pause-rollout-step-fails', 'k8sPauseRolloutV1', deployment),
  // No database configured: the inspection made while planning fails, and nothing is acted on.
  runbookScenario('runbook-pg-cancel-inspection-fails', 'pgCancelSlowQueryV1', {
    service: 'payments',
    database: 'payments',
  }),
  runbookScenario('runbook-pg-terminate-missing-input', 'pgTerminateBlockingSessionV1', {
    service: 'payments',
  }),
  // Kubernetes runbooks of round 2: each one's dry run, and two runs whose step fails (no
  // kubeconfig) and roll back, one auto-approved (low risk) and one approved at its gate.
  ...(
    [
      ['k8sCordonNodeV1', { node: 'node-1' }],
      ['k8sDaemonsetRestartV1', { daemonset: 'log-agent', namespace: 'kube-system' }],
      ['k8sDaemonsetRollbackV1', { daemonset: 'log-agent', namespace: 'kube-system' }],
      ['k8sDeleteCrashloopingPodsV1', deployment],
      ['k8sDrainNodeV1', { node: 'node-1' }],
      ['k8sRaiseHpaBoundsV1', { hpa: 'cart', namespace: 'shop' }],
      ['k8sRaiseMemoryLimitV1', deployment],
      ['k8sResumeRolloutV1', deployment],
      ['k8sStatefulsetRestartV1', { statefulset: 'kafka', namespace: 'data' }],
      ['k8sStatefulsetRollbackV1', { statefulset: 'kafka', namespace: 'data' }],
      ['k8sStatefulsetScaleOutV1', { statefulset: 'kafka', namespace: 'data' }],
    ] as const
  ).map(([workflowType, target]) =>
    runbookScenario(`runbook-${workflowType}-dry-run`, workflowType, {
      service: 'cart',
      ...target,
      dryRun: true,
    }),
  ),
  runbookScenario('runbook-cordon-node-step-fails', 'k8sCordonNodeV1', {
    service: 'cart',
    node: 'node-1',
  }),
  // Approved at its gate, then its step fails and rolls back. Recorded by the engine's worker,
  // whose workflow bundle carries the OpenTelemetry interceptors: the approval Update completes
  // after the gate's timer is cancelled, an order only that bundle replays (see replay.test.ts).
  runbookScenario(
    'runbook-raise-memory-limit-approved-step-fails',
    'k8sRaiseMemoryLimitV1',
    deployment,
    approveAtGate,
  ),
  // Host, flag and escalation runbooks: no SSH, flag service or pager in the recorder.
  runbookScenario('runbook-host-free-disk-inspection-fails', 'hostFreeDiskV1', {
    service: 'batch',
    host: 'batch-1',
    cleanup: 'dumps',
  }),
  runbookScenario('runbook-host-rotate-logs-dry-run', 'hostRotateLogsV1', {
    service: 'batch',
    host: 'batch-1',
    log: 'app',
    dryRun: true,
  }),
  runbookScenario('runbook-flag-revert-inspection-fails', 'flagRevertV1', {
    service: 'checkout',
    flag: 'new-checkout',
  }),
  runbookScenario('runbook-escalate-dependency-outage-page-fails', 'escalateDependencyOutageV1', {
    service: 'checkout',
    summary: 'payments-api unreachable',
  }),
  runbookScenario('runbook-escalate-certificate-expiry-dry-run', 'escalateCertificateExpiryV1', {
    service: 'checkout',
    dryRun: true,
  }),
];
