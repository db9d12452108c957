import type { ApprovalOptions } from './sdk';

/**
 * The built-in runbooks' approval gate: the on-call group answers, the SRE leads are asked too
 * after ten minutes, and silence for half an hour rolls the run back. Group members are
 * configured in AIOPS_APPROVERS.
 */
export function onCallApproval(name: string, describe: string): ApprovalOptions {
  return {
    name,
    describe,
    approvers: ['oncall'],
    escalateAfter: '10 minutes',
    escalateTo: ['sre-leads'],
    timeout: '30 minutes',
  };
}
