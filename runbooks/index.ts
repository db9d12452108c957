// Every runbook workflow type, under its workflowTypeOf name; the catalog is derived from these
// exports and workflows/index.ts re-exports them for the worker bundle.
export { k8sRollbackV1 } from './k8s-rollback';
export { k8sRolloutRestartV1 } from './k8s-rollout-restart';
export { k8sPauseRolloutV1 } from './k8s-pause-rollout';
export { k8sScaleOutV1, k8sScaleOutV2 } from './k8s-scale-out';
export { notifyOnlyV1 } from './notify-only';
export { pgCancelSlowQueryV1 } from './pg-cancel-slow-query';
export { pgTerminateBlockingSessionV1 } from './pg-terminate-blocking-session';
export { sshRestartUnitV1 } from './ssh-restart-unit';
export { sshRunScriptV1 } from './ssh-run-script';
// Host, HTTP flag and escalation runbooks (issue #19, round 2).
export { hostFreeDiskV1 } from './host-free-disk';
export { hostRotateLogsV1 } from './host-rotate-logs';
export { flagRevertV1 } from './flag-revert';
export { escalateDependencyOutageV1 } from './escalate-dependency-outage';
export { escalateCertificateExpiryV1 } from './escalate-certificate-expiry';
