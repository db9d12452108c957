// Every runbook workflow type, under its workflowTypeOf name; the catalog is derived from these
// exports and workflows/index.ts re-exports them for the worker bundle.
export { k8sRollbackV1, k8sRollbackV2 } from './k8s-rollback';
export { k8sRolloutRestartV1 } from './k8s-rollout-restart';
export { k8sPauseRolloutV1 } from './k8s-pause-rollout';
export { k8sScaleOutV1, k8sScaleOutV2 } from './k8s-scale-out';
export { notifyOnlyV1 } from './notify-only';
export { pgCancelSlowQueryV1 } from './pg-cancel-slow-query';
export { pgTerminateBlockingSessionV1 } from './pg-terminate-blocking-session';
export { sshRestartUnitV1 } from './ssh-restart-unit';
export { sshRunScriptV1 } from './ssh-run-script';
// Kubernetes workloads, pods, nodes and autoscalers (issue #19, round 2).
export { k8sCordonNodeV1 } from './k8s-cordon-node';
export { k8sDaemonsetRestartV1 } from './k8s-daemonset-restart';
export { k8sDaemonsetRollbackV1 } from './k8s-daemonset-rollback';
export { k8sDeleteCrashloopingPodsV1 } from './k8s-delete-crashlooping-pods';
export { k8sDrainNodeV1 } from './k8s-drain-node';
export { k8sRaiseHpaBoundsV1 } from './k8s-raise-hpa-bounds';
export { k8sRaiseMemoryLimitV1 } from './k8s-raise-memory-limit';
export { k8sResumeRolloutV1 } from './k8s-resume-rollout';
export { k8sStatefulsetRestartV1 } from './k8s-statefulset-restart';
export { k8sStatefulsetRollbackV1 } from './k8s-statefulset-rollback';
export { k8sStatefulsetScaleOutV1 } from './k8s-statefulset-scale-out';
// Host, HTTP flag and escalation runbooks (issue #19, round 2).
export { hostFreeDiskV1 } from './host-free-disk';
export { hostRotateLogsV1 } from './host-rotate-logs';
export { flagRevertV1 } from './flag-revert';
export { escalateDependencyOutageV1 } from './escalate-dependency-outage';
export { escalateCertificateExpiryV1 } from './escalate-certificate-expiry';
