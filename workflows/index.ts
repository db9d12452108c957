// The workflow bundle's entry point: every workflow type the worker serves.
export { heartbeatWorkflow } from './heartbeat';
export { incidentWorkflow } from './incident/workflow';
export { detectionWorkflow } from './detection';
export * from '../runbooks';
export { investigationWorkflow } from './investigation/workflow';
export { notificationRetryWorkflow } from './notification-retry';
export { retentionWorkflow } from './retention';
