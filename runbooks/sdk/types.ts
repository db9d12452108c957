import type { CandidateKind } from '../../activities/rca/candidate';
import type { Finding } from '../../activities/rca/outside-evidence';
import type { IncidentSymptomCheck } from './symptom-bounds';

/**
 * The runbook contract shared by every runbook, the incident workflow that starts them, the
 * activities that act for them and the clients that approve them. Workflow-safe: types only.
 */

/** How much a runbook or step can hurt if it goes wrong; the approval policy keys on it. */
export type Risk = 'low' | 'medium' | 'high';

export const riskOrder: readonly Risk[] = ['low', 'medium', 'high'];

/** A version of a service first seen (in its telemetry) after other versions of it. */
export interface RecentDeploy {
  version: string;
  firstSeen: string;
}

export interface RunbookInput {
  incidentId: string;
  service: string;
  namespace?: string;
  deployment?: string;
  /** Kubernetes targets besides Deployments (runbooks/k8s-*): a workload, node or autoscaler. */
  statefulset?: string;
  daemonset?: string;
  node?: string;
  hpa?: string;
  host?: string;
  /** An allow-listed database (by name) the service's queries run on. */
  database?: string;
  /** A systemd unit on `host`. */
  unit?: string;
  /** An allow-listed script (by name) and its arguments, for the script runbook. */
  script?: { name: string; args?: string[] };
  /** An allow-listed disk cleanup (by name) on `host`. */
  cleanup?: string;
  /** An allow-listed log (by name) on `host`. */
  log?: string;
  /** An allow-listed feature flag (by name). */
  flag?: string;
  /** `findings`: what the cluster and alerts said of it (e.g. `oomKilled`), strongest first. */
  rootCause?: { service: string; kind: CandidateKind; score: number; findings?: Finding[] };
  /** The service's running version replaced an older one shortly before (from its telemetry). */
  recentDeploy?: RecentDeploy;
  summary?: string;
  /**
   * Where the run re-checks, before its first change, that the incident's symptom still holds;
   * runs started by hand (no incident) have none and act without that check.
   */
  symptom?: SymptomSource;
  /** Return the plan and touch nothing. */
  dryRun?: boolean;
  requestedBy?: string;
}

/** The incident a run acts for, and when its symptom counts as cleared. */
export interface SymptomSource {
  incidentWorkflowId: string;
  /**
   * Cleared once no anomaly that keeps the incident open was heard for this long: the incident's
   * own quiet period, after which it would resolve itself.
   */
  clearedAfterSeconds: number;
  /** What verification must also see come back: the signals the incident opened on. */
  check?: IncidentSymptomCheck;
}

export type RunbookOutcome =
  | 'succeeded'
  | 'rolled_back'
  | 'rejected'
  | 'failed'
  | 'dry_run'
  /**
   * Whether it worked (verify), or whether acting was still right (a precondition), could not
   * be told: what was done is left in place, a human was told.
   */
  | 'unverified'
  /**
   * The runbook found while planning that it cannot act on this target (e.g. no earlier revision
   * to roll back to): nothing was changed, a human was told why. Neither a fix nor a failed one.
   */
  | 'not_applicable'
  /**
   * The incident's symptom had cleared before the first change (RunbookInput.symptom): nothing
   * was changed, and the incident recovered by itself.
   */
  | 'not_needed';

export interface RunbookResult {
  outcome: RunbookOutcome;
  runbook: { name: string; version: number };
  /** Why the run did not succeed (step failure, rejection, timeout, verification, cancel). */
  reason?: string;
  plan: PlanItem[];
  steps: StepRecord[];
  approvals: ApprovalRecord[];
}

/** One entry of what a runbook will do, in order; shown to approvers and returned by dry runs. */
export type PlanItem =
  | {
      kind: 'step';
      name: string;
      describe: string;
      risk: Risk;
      activity: string;
      /** How the step is undone, or why it cannot be. */
      undo: string;
    }
  | {
      kind: 'approval';
      name: string;
      describe: string;
      approvers: string[];
      timeout: string;
      /** Filled for dry runs from the live policy: 0 means the gate passes by itself. */
      required?: number;
    }
  | { kind: 'verify' | 'precondition'; name: string; describe: string }
  | {
      kind: 'inspect';
      name: string;
      describe: string;
      activity: string;
      /** What the live target showed (filled when planned in a run or dry run). */
      found?: string;
    };

export interface StepRecord {
  name: string;
  activity: string;
  risk: Risk;
  actionId: string;
  /** Workflow time the step began (absent in runs from before it was recorded). */
  startedAt?: string;
  status: 'running' | 'succeeded' | 'failed';
  summary?: string;
  error?: string;
  compensation?: {
    status: 'succeeded' | 'failed' | 'irreversible';
    /** What the compensation did, why it failed, or why the step cannot be undone. */
    detail: string;
  };
}

export type ApprovalChannel = 'slack' | 'cli' | 'ui';

export interface ApprovalRecord {
  gate: string;
  decision: 'approved' | 'rejected' | 'timed_out' | 'auto_approved';
  /** An identity from the approver groups (`alice`, `slack:U012AB3CD`), or `policy`/`timer`. */
  approver: string;
  via: ApprovalChannel | 'policy' | 'timer';
  reason?: string;
  /** Workflow time of the decision (ISO 8601). */
  at: string;
  /** The Update that carried the decision: its id finds the event in the workflow history. */
  updateId?: string;
}

/**
 * What approvers sent as the `approve` Update before approvals were signed statements
 * (approval-statement.ts). Kept so recorded histories still replay; a validator refuses it now.
 */
export interface ApprovalDecision {
  decision: 'approve' | 'reject';
  approver: string;
  via: ApprovalChannel;
  reason?: string;
  /** The gate being answered; optional when the run waits at only one. */
  gate?: string;
}

export interface ApprovalAck {
  gate: string;
  status: 'approved' | 'rejected' | 'pending';
  approvals: number;
  required: number;
}

/** What the `runbookStatus` query returns: enough for a CLI or UI to see what is waiting. */
export interface RunbookStatus {
  runbook: { name: string; version: number };
  incidentId: string;
  phase: 'running' | 'awaiting_approval' | 'verifying' | 'compensating' | 'done';
  awaiting?: PendingApproval;
  steps: StepRecord[];
  approvals: ApprovalRecord[];
}

export interface PendingApproval {
  gate: string;
  required: number;
  approvers: string[];
  approvedBy: string[];
  /** Workflow time after which the gate times out (ISO 8601). */
  expiresAt: string;
}

// ——— Actions: the contract between runbook steps and the activities that act ———

/** Every action activity takes one request: a stable id (idempotency key) and its params. */
export interface ActionRequest<P> {
  /** Same on every retry of the same step of the same run; the target records it. */
  actionId: string;
  params: P;
}

export interface ActionResult<D = Record<string, never>> {
  /** One line for the audit trail and approvers. */
  summary: string;
  /** False when the target already was as asked (including: this action id already applied). */
  changed: boolean;
  /** What a compensation needs to undo this action (previous replicas, revision, …). */
  details: D;
}

// ——— Approvals as the activities see them ———

export interface ApprovalRequest {
  workflowId: string;
  runId: string;
  incidentId: string;
  service: string;
  runbook: { name: string; version: number; title: string };
  gate: string;
  /** What the approver is asked, in one line. */
  describe: string;
  risk: Risk;
  required: number;
  approvers: string[];
  summary?: string;
  rootCause?: RunbookInput['rootCause'];
  plan: PlanItem[];
  expiresAt: string;
}

/** What the request message shows: still open, or how the gate closed. */
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'timed_out' | 'cancelled';

/** Where an approval request was posted, so decisions can edit it. */
export interface ApprovalMessageRef {
  channel: string;
  ts: string;
}

export interface ApprovalPolicyDecision {
  /** 0: the gate passes by itself; 1 or 2 distinct approvers otherwise. */
  required: number;
  approvers: string[];
  escalationApprovers: string[];
  /** Public keys (hex) of the approval authorities whose signed statements the gate accepts. */
  authorityKeys?: string[];
}

/** RED metrics of one service since verification started, as the verification reads them. */
export interface ServiceHealth {
  service: string;
  /** Requests served in the window: too few and the numbers say nothing yet. */
  requests: number;
  errorRate: number;
  p95LatencyMs: number;
  /** The window the numbers describe (ISO 8601). */
  from: string;
  to: string;
}
