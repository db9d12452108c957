// The runbook SDK: what a runbook file imports.
export { action, irreversible, type ActionCall, type ActionName, type Undo } from './actions';
export {
  requireInput,
  RunbookInputError,
  type ApprovalOptions,
  type RunbookContext,
  type RunbookDefinition,
  type StepOptions,
  type VerifyOptions,
} from './context';
export type { PreconditionOptions } from './precondition';
export { approveUpdate, runbookStatusQuery, runbookWorkflowId } from './messages';
export { defineRunbook, type RunbookWorkflow } from './runbook';
export type * from './types';
