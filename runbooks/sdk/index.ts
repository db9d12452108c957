// The runbook SDK: what a runbook file imports.
export { action, irreversible, type ActionCall, type ActionName, type Undo } from './actions';
export {
  RunbookInputError,
  RunbookNotApplicable,
  type ApprovalOptions,
  type RunbookContext,
  type RunbookDefinition,
  type StepOptions,
  type VerifyOptions,
} from './context';
export type { PreconditionOptions } from './precondition';
export { approveUpdate, runbookStatusQuery, runbookWorkflowId } from './messages';
export { defineRunbook, workflowTypeOf, type RunbookWorkflow } from './runbook';
export { field, type InputSchema, type RunbookInputOf } from './inputs';
export { incidentKinds, type IncidentKind } from './incident-kinds';
export type * from './types';
