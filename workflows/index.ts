// The workflow bundle's entry point: every workflow type the worker serves.
export { heartbeatWorkflow } from './heartbeat';
export { incidentWorkflow } from './incident/workflow';
export { detectionWorkflow } from './detection';
