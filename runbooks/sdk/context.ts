import type { Duration } from '@temporalio/common';
import type { CandidateKind } from '../../activities/rca/candidate';
import type { Finding } from '../../activities/rca/outside-evidence';
import type { ActionCall, ActionDetails, ActionName, Undo } from './actions';
import type { InputSchema, RunbookInputOf } from './inputs';
import type { IncidentKind } from './incident-kinds';
import type { PreconditionOptions } from './precondition';
import type { Risk, RunbookOutcome } from './types';

/** The building blocks a runbook body is written with. */
export interface RunbookContext {
  /** Runs one action (retried, idempotent); on a later failure its `undo` runs in reverse order. */
  step<N extends ActionName>(options: StepOptions<N>): Promise<void>;
  /** Waits for the approvals the policy asks for; rejection or timeout rolls the run back. */
  approval(options: ApprovalOptions): Promise<void>;
  /**
   * Waits until the service's RED metrics recover; if they measurably do not in time, rolls
   * back. When recovery cannot be told (health unreadable, too little traffic) it keeps waiting,
   * then ends the run `unverified` with the fix in place and a human told why.
   */
  verify(options: VerifyOptions): Promise<void>;
  /**
   * Checks that the service still fails before the steps after it act; healthy halts the run
   * like a failed step. When it cannot be read it waits, then ends the run `unverified` with a
   * human told why: nothing further is done and nothing is undone.
   */
  precondition(options: PreconditionOptions): Promise<void>;
  /**
   * Reads the live target with a read-only action (changing nothing) and returns what it found,
   * so the steps can act on exactly that and approvers see it. It runs once, while the plan is
   * made, and the run continues with that same reading.
   */
  inspect<N extends ActionName>(options: InspectOptions<N>): Promise<ActionDetails<N>>;
}

export interface InspectOptions<N extends ActionName> {
  /** Unique within the runbook. */
  name: string;
  describe: string;
  timeout: Duration;
  /** A read-only action. */
  action: ActionCall<N>;
  /** A reading to plan with where no live target is at hand (`aiops runbooks show`). */
  example: ActionDetails<N>;
}

export interface StepOptions<N extends ActionName> {
  /** Unique within the runbook; part of the action's idempotency key. */
  name: string;
  /** What the approver reads in the plan. */
  describe: string;
  /** At most the runbook's risk. */
  risk: Risk;
  /** Per attempt; actions that wait (rollouts, remote commands) must finish within it. */
  timeout: Duration;
  action: ActionCall<N>;
  undo: Undo<N>;
}

export interface ApprovalOptions {
  /** Unique within the runbook; approvers may name it when answering. */
  name: string;
  /** Approver groups (see AIOPS_APPROVERS) whose members may answer. */
  approvers: string[];
  /** Without a decision by then the gate times out and the run rolls back. */
  timeout: Duration;
  /** Without a decision by then, the escalation groups are notified and may answer too. */
  escalateAfter?: Duration;
  escalateTo?: string[];
  /** What the approver is asked, in one line; the plan, risk and root cause are always shown. */
  describe: string;
}

export interface VerifyOptions {
  service: string;
  /** Give up (and roll back) when the service has not recovered by then. */
  within: Duration;
  /** Time between health checks. */
  every?: Duration;
  /** Consecutive healthy checks needed (default 1). */
  healthyChecks?: number;
  /**
   * The traffic each check judges: the latest `window` of it (default 1 minute), never any from
   * before the change took effect, so a symptom that outlasted the change by a while does not
   * hold a working fix unproven until it is diluted away. With too little traffic in it to judge,
   * the check reads all traffic since the change.
   */
  window?: Duration;
  /** How long the change takes to act after its last step completed (default 0). */
  settle?: Duration;
  /** Post-fix requests needed before the numbers count (default 20). */
  minRequests?: number;
  /**
   * The error rate a recovered service stays under (default 5%). A check is over it only when
   * its failures are unlikely at this rate given the requests it read (binomial tail below 5%):
   * 3 failures in 50 are within 5%, 8 are not. The incident's own error bound is held the same way.
   */
  maxErrorRate?: number;
  maxP95LatencyMs?: number;
  /**
   * After `within`, how long to keep checking (with backoff) while recovery cannot be told
   * before escalating to a human; the fix is never undone without a measured failure.
   */
  cannotTellFor?: Duration;
}

/**
 * Everything about one runbook version, in its own file: the catalog, the CLI and the worker's
 * registration all derive from it.
 */
export interface RunbookDefinition<S extends InputSchema = InputSchema> {
  /** Stable across versions, kebab-case; the catalog and audit trail use it. */
  name: string;
  /** Bumped with every change that alters the command sequence (new workflow type). */
  version: number;
  title: string;
  /** The highest risk of its steps; the approval policy decides on it. */
  risk: Risk;
  /**
   * Root cause kinds (from the investigation) it is a remedy for, so an incident may choose it;
   * `any` for fallbacks; unset or empty: only run when asked for by name.
   */
  kinds?: CandidateKind[] | 'any';
  /**
   * What the platform must have seen of the root cause (any one of these, e.g. an OOMKilled
   * container) for it to fit: a remedy for that cause, chosen before the kind's general ones.
   */
  findings?: Finding[];
  /**
   * What, once seen of the root cause, makes it no remedy: e.g. a restart, when the kubelet
   * already restarted the OOM-killed container and the limit that killed it is unchanged.
   */
  ruledOutBy?: Finding[];
  /** The incidents it fits, in operators' words (the catalog and `aiops runbooks list`). */
  incidentKinds?: IncidentKind[];
  /**
   * The input fields it needs and their shape; a run whose input does not fit fails before it
   * touches anything, saying which field is missing or wrong. Unset: nothing beyond the incident.
   */
  inputs?: S;
  body(rb: RunbookContext, input: RunbookInputOf<S>): Promise<void>;
}

/** The input lacks what this runbook needs; the run fails before it touches anything. */
export class RunbookInputError extends Error {
  override readonly name = 'RunbookInputError';
}

/**
 * Thrown by a body that found, from what it inspected, that it cannot act on this target: the
 * plan ends there and the run ends `not_applicable` with this reason, nothing undone.
 */
export class RunbookNotApplicable extends Error {
  override readonly name = 'RunbookNotApplicable';
}

/** Stops a run that cannot go on: rejected, timed out, a failed step or verification. */
export class RunbookHalt extends Error {
  override readonly name = 'RunbookHalt';
  constructor(
    readonly outcome: Extract<RunbookOutcome, 'rejected' | 'rolled_back'>,
    reason: string,
  ) {
    super(reason);
  }
}
