import { riskOrder, type ApprovalPolicyDecision, type Risk } from '../runbooks/sdk/types';

/** Which runbooks need approval, from how many people, and who those people are. */
export interface ApprovalPolicy {
  /** From this risk on one approval is needed; runbooks below it run unattended. */
  requiredFrom: Risk;
  /** From this risk on two distinct approvers are needed; `never` keeps it at one. */
  twoApproversFrom: Risk | 'never';
  /** Approver groups: group name → identities (`alice`, `slack:U012AB3CD`). */
  groups: Record<string, string[]>;
  /**
   * Public keys (hex) of the approval authorities whose signed statements gates accept. They
   * come from the worker's configuration, not the run's input: whoever can start a run must not
   * be able to name the authority that approves it.
   */
  authorityKeys: string[];
}

export const defaultApprovalPolicy: ApprovalPolicy = {
  requiredFrom: 'medium',
  twoApproversFrom: 'high',
  groups: {},
  authorityKeys: [],
};

function atLeast(risk: Risk, threshold: Risk | 'never'): boolean {
  return threshold !== 'never' && riskOrder.indexOf(risk) >= riskOrder.indexOf(threshold);
}

function membersOf(policy: ApprovalPolicy, groups: string[]): string[] {
  return [...new Set(groups.flatMap((g) => policy.groups[g] ?? []))];
}

export function decideApproval(
  policy: ApprovalPolicy,
  gate: { risk: Risk; approvers: string[]; escalateTo: string[] },
): ApprovalPolicyDecision {
  const required = atLeast(gate.risk, policy.twoApproversFrom)
    ? 2
    : atLeast(gate.risk, policy.requiredFrom)
      ? 1
      : 0;
  return {
    required,
    approvers: membersOf(policy, gate.approvers),
    escalationApprovers: membersOf(policy, gate.escalateTo),
    authorityKeys: policy.authorityKeys,
  };
}
