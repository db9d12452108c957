import {
  CancellationScope,
  condition,
  currentUpdateInfo,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../../activities';
import type { ApprovalOptions } from './context';
import { RunbookHalt } from './context';
import { checkApprovalStatement, claimsOf, isSignedApproval } from './approval-statement';
import { approveUpdate, runbookAwaitingApproval } from './messages';
import type {
  ApprovalAck,
  ApprovalChannel,
  ApprovalDecision,
  ApprovalMessageRef,
  ApprovalRecord,
  ApprovalRequest,
  ApprovalStatus,
  PendingApproval,
  PlanItem,
  Risk,
  RunbookInput,
} from './types';

/** Bookkeeping (policy, audit): must eventually succeed, an audit gap is not acceptable. */
const { resolveApprovalPolicy, recordRunbookApprovals } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumInterval: '10 seconds' },
});

/** Chat messages: best effort, approvers can always answer from the CLI or UI. */
const { requestRunbookApproval, updateRunbookApproval, escalateRunbookApproval } =
  proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { maximumInterval: '10 seconds', maximumAttempts: 5 },
  });

interface OpenGate extends PendingApproval {
  escalationApprovers: string[];
  /** Public keys of the approval authorities whose statements this gate accepts. */
  authorityKeys: string[];
  decisions: ApprovalRecord[];
  outcome?: 'approved' | 'rejected';
}

export interface GateRun {
  runbook: { name: string; version: number; title: string; risk: Risk };
  input: RunbookInput;
  plan: PlanItem[];
}

/** One answer as the gate records it: who (verified), how, and what. */
interface Answer {
  decision: 'approve' | 'reject';
  approver: string;
  via: ApprovalChannel;
  reason?: string;
  nonce?: string;
}

/**
 * The approval gates of one run. Answers arrive as the `approve` Update carrying a statement
 * signed by an approval authority; the validator refuses (without touching the history)
 * unsigned, forged, expired, reused or foreign statements, answers from anyone outside the
 * gate's approvers, repeated answers, and answers when no gate is open.
 */
export class ApprovalGates {
  readonly records: ApprovalRecord[] = [];
  private open: OpenGate | undefined;
  /** Nonces of the statements this run has accepted: each statement counts once. */
  private readonly nonces = new Set<string>();

  constructor(private readonly run: GateRun) {
    setHandler(approveUpdate, (d) => this.answer(d), { validator: (d) => this.validate(d) });
  }

  /** What a status query shows while a gate is open. */
  pending(): PendingApproval | undefined {
    if (!this.open) return undefined;
    const { gate, required, approvers, approvedBy, expiresAt } = this.open;
    return { gate, required, approvers, approvedBy, expiresAt };
  }

  async pass(o: ApprovalOptions): Promise<void> {
    const { runbook } = this.run;
    const policy = await resolveApprovalPolicy({
      runbook: runbook.name,
      risk: runbook.risk,
      approvers: o.approvers,
      escalateTo: o.escalateTo ?? [],
    });
    if (policy.required === 0) {
      await this.record([
        this.systemRecord(o.name, 'auto_approved', 'policy', 'below the risk threshold'),
      ]);
      return;
    }
    const startedAt = Date.now();
    const timeoutMs = msToNumber(o.timeout);
    const gate: OpenGate = {
      gate: o.name,
      required: policy.required,
      approvers: policy.approvers,
      approvedBy: [],
      expiresAt: new Date(startedAt + timeoutMs).toISOString(),
      escalationApprovers: policy.escalationApprovers,
      // Policies recorded before signed approvals carry no keys: such a gate accepts nothing.
      authorityKeys: policy.authorityKeys ?? [],
      decisions: [],
    };
    this.open = gate;
    await tellParent(true);
    const request = this.request(o, gate);
    const message = await bestEffort(() => requestRunbookApproval(request));
    try {
      await this.waitForDecision(gate, request, message, {
        deadline: startedAt + timeoutMs,
        escalateAt:
          o.escalateAfter === undefined ? undefined : startedAt + msToNumber(o.escalateAfter),
      });
    } catch (err) {
      // Cancelled while waiting: audit the answers given so far and close the request.
      if (isCancellation(err)) {
        await CancellationScope.nonCancellable(() =>
          this.close(gate, request, message, 'cancelled'),
        );
      }
      throw err;
    } finally {
      this.open = undefined;
      await CancellationScope.nonCancellable(() => tellParent(false));
    }
    if (gate.outcome === undefined) {
      gate.decisions.push(
        this.systemRecord(o.name, 'timed_out', 'timer', `no decision within ${String(o.timeout)}`),
      );
    }
    await this.close(gate, request, message, gate.outcome ?? 'timed_out');
    if (gate.outcome === 'approved') return;
    const rejection = gate.decisions.find((d) => d.decision === 'rejected');
    throw new RunbookHalt(
      'rejected',
      rejection
        ? `rejected by ${rejection.approver} via ${rejection.via}${rejection.reason ? `: ${rejection.reason}` : ''}`
        : `approval timed out after ${String(o.timeout)}`,
    );
  }

  /** Audits the gate's decisions and shows the outcome on the request message. */
  private async close(
    gate: OpenGate,
    request: ApprovalRequest,
    message: ApprovalMessageRef | undefined,
    status: ApprovalStatus,
  ) {
    await this.record(gate.decisions);
    if (message) {
      await bestEffort(() =>
        updateRunbookApproval({ message, request, decisions: gate.decisions, status }),
      );
    }
  }

  private async waitForDecision(
    gate: OpenGate,
    request: ApprovalRequest,
    message: ApprovalMessageRef | undefined,
    at: { deadline: number; escalateAt: number | undefined },
  ) {
    let seen = 0;
    let escalateAt = at.escalateAt;
    while (gate.outcome === undefined) {
      const wakeAt = escalateAt !== undefined ? Math.min(escalateAt, at.deadline) : at.deadline;
      const remaining = wakeAt - Date.now();
      const answered =
        remaining > 0 &&
        (await condition(
          () => gate.decisions.length > seen || gate.outcome !== undefined,
          remaining,
        ));
      if (gate.outcome !== undefined) return;
      if (answered) {
        // A partial approval (one of two): show it on the request message.
        seen = gate.decisions.length;
        if (message) {
          await bestEffort(() =>
            updateRunbookApproval({
              message,
              request,
              decisions: gate.decisions,
              status: 'pending',
            }),
          );
        }
      } else if (escalateAt !== undefined && Date.now() < at.deadline) {
        escalateAt = undefined;
        gate.approvers = [...new Set([...gate.approvers, ...gate.escalationApprovers])];
        const escalated = { ...request, approvers: gate.approvers };
        await bestEffort(() => escalateRunbookApproval({ message, request: escalated }));
      } else {
        return;
      }
    }
  }

  private validate(arg: unknown) {
    const gate = this.open;
    const runbook = `${this.run.runbook.name} v${this.run.runbook.version}`;
    if (!gate || gate.outcome !== undefined)
      throw new Error(`${runbook} is not waiting for an approval`);
    const { workflowId, runId } = workflowInfo();
    const checked = checkApprovalStatement(arg, {
      authorityKeys: gate.authorityKeys,
      workflowId,
      runId,
      now: Date.now(),
    });
    if ('refused' in checked) throw new Error(checked.refused);
    const d = checked.claims;
    if (this.nonces.has(d.nonce)) throw new Error('this statement has already been used');
    if (d.gate !== gate.gate) {
      throw new Error(`${runbook} is waiting at gate ${gate.gate}, not ${d.gate}`);
    }
    if (!gate.approvers.includes(d.approver))
      throw new Error(`${d.approver} may not approve ${runbook}`);
    if (gate.decisions.some((r) => r.approver === d.approver)) {
      throw new Error(`${d.approver} has already answered gate ${gate.gate}`);
    }
  }

  private answer(arg: unknown): ApprovalAck {
    const gate = this.open as OpenGate;
    const d = answerOf(arg);
    if (d.nonce !== undefined) this.nonces.add(d.nonce);
    const updateId = currentUpdateInfo()?.id;
    gate.decisions.push({
      gate: gate.gate,
      decision: d.decision === 'approve' ? 'approved' : 'rejected',
      approver: d.approver,
      via: d.via,
      ...(d.reason ? { reason: d.reason } : {}),
      at: new Date().toISOString(),
      ...(updateId ? { updateId } : {}),
    });
    if (d.decision === 'reject') gate.outcome = 'rejected';
    else {
      gate.approvedBy.push(d.approver);
      if (gate.approvedBy.length >= gate.required) gate.outcome = 'approved';
    }
    return {
      gate: gate.gate,
      status: gate.outcome ?? 'pending',
      approvals: gate.approvedBy.length,
      required: gate.required,
    };
  }

  private request(o: ApprovalOptions, gate: OpenGate): ApprovalRequest {
    const { workflowId, runId } = workflowInfo();
    const { runbook, input, plan } = this.run;
    return {
      workflowId,
      runId,
      incidentId: input.incidentId,
      service: input.service,
      runbook: { name: runbook.name, version: runbook.version, title: runbook.title },
      gate: gate.gate,
      describe: o.describe,
      risk: runbook.risk,
      required: gate.required,
      approvers: gate.approvers,
      ...(input.summary ? { summary: input.summary } : {}),
      ...(input.rootCause ? { rootCause: input.rootCause } : {}),
      plan,
      expiresAt: gate.expiresAt,
    };
  }

  private systemRecord(
    gate: string,
    decision: 'auto_approved' | 'timed_out',
    via: 'policy' | 'timer',
    reason: string,
  ): ApprovalRecord {
    return { gate, decision, approver: via, via, reason, at: new Date().toISOString() };
  }

  private async record(records: ApprovalRecord[]) {
    if (records.length === 0) return;
    this.records.push(...records);
    const { workflowId, runId } = workflowInfo();
    const { runbook, input } = this.run;
    await recordRunbookApprovals({
      workflowId,
      runId,
      incidentId: input.incidentId,
      runbook: runbook.name,
      version: runbook.version,
      records,
    });
  }
}

/**
 * The answer an accepted Update carries. Histories recorded before signed approvals hold plain
 * decisions; handlers run unvalidated on replay, so those are still read here.
 */
function answerOf(arg: unknown): Answer {
  if (isSignedApproval(arg)) return claimsOf(arg);
  const legacy = arg as ApprovalDecision;
  return {
    decision: legacy.decision,
    approver: legacy.approver,
    via: legacy.via,
    ...(legacy.reason ? { reason: legacy.reason } : {}),
  };
}

/** Runs a chat activity; its failure is logged, never fatal (cancellation still is). */
async function bestEffort<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('approval message not delivered', {
      error: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
}

/**
 * Lets the incident that started this run show "awaiting approval" while a gate waits. Best
 * effort: a closed or missing parent must not fail the runbook.
 */
async function tellParent(waiting: boolean): Promise<void> {
  const parent = workflowInfo().parent;
  if (!parent) return;
  await getExternalWorkflowHandle(parent.workflowId, parent.runId)
    .signal(runbookAwaitingApproval, waiting)
    .catch(() => undefined);
}
