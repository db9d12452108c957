import {
  ActivityFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { runbook as runbookAttribute } from '../../workflows/search-attributes';
import type { ActionDetails, ActionName, Undo } from './actions';
import { ApprovalGates } from './approval-gate';
import {
  RunbookHalt,
  RunbookInputError,
  RunbookNotApplicable,
  type ApprovalOptions,
  type InspectOptions,
  type RunbookContext,
  type RunbookDefinition,
  type StepOptions,
  type VerifyOptions,
} from './context';
import { checkInput, type InputSchema } from './inputs';
import { failureMessage, invokeAction } from './invoke';
import { runbookStatusQuery } from './messages';
import { planOf, type Inspector } from './plan';
import { Saga } from './saga';
import type {
  PlanItem,
  RunbookInput,
  RunbookOutcome,
  RunbookResult,
  RunbookStatus,
  StepRecord,
} from './types';
import {
  checkPrecondition,
  PreconditionUnverified,
  type PreconditionOptions,
} from './precondition';
import { checkSymptomHolds, SymptomCleared, symptomCheckPatch } from './symptom';
import { RecoveryUnverified, verifyRecovery } from './verify';

const { resolveApprovalPolicy } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumInterval: '10 seconds' },
});

/** Steps retry a few times (actions are idempotent); then the run rolls back. */
const stepAttempts = 3;

/** A runbook's workflow function, carrying the definition the catalog is derived from. */
export type RunbookWorkflow = ((input: RunbookInput) => Promise<RunbookResult>) & {
  readonly definition: RunbookDefinition;
};

/**
 * Turns a runbook definition into a workflow function. Export it from runbooks/index.ts under
 * `<camelName>V<version>` (workflowTypeOf): that export name is the workflow type, so each
 * version is its own type and runs in flight finish on the code they started with.
 */
export function defineRunbook<S extends InputSchema>(def: RunbookDefinition<S>): RunbookWorkflow {
  const definition = def as unknown as RunbookDefinition;
  const workflow = (input: RunbookInput) => new RunbookRun(definition, input).execute();
  return Object.assign(workflow, { definition });
}

/** The workflow type (export name) of a runbook version: `k8s-scale-out` v2 → `k8sScaleOutV2`. */
export function workflowTypeOf(def: Pick<RunbookDefinition, 'name' | 'version'>): string {
  return `${def.name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())}V${def.version}`;
}

class RunbookRun implements RunbookContext {
  private phase: RunbookStatus['phase'] = 'running';
  private plan: PlanItem[] = [];
  private readonly steps: StepRecord[] = [];
  /** When the last step (change) completed: where verification starts judging the fix. */
  private lastChangeAt?: string;
  private readonly saga = new Saga();
  /** Inspections made while planning, by name: the run continues with the same readings. */
  private readonly readings = new Map<string, unknown>();
  private readonly gates: ApprovalGates;

  constructor(
    private readonly def: RunbookDefinition,
    private input: RunbookInput,
  ) {
    const { name, version, title, risk } = def;
    this.gates = new ApprovalGates({
      runbook: { name, version, title, risk },
      input,
      plan: this.plan,
    });
    setHandler(runbookStatusQuery, () => this.status());
  }

  async execute(): Promise<RunbookResult> {
    try {
      this.input = checkInput(this.def.inputs, this.input);
      this.plan.push(...(await planOf(this.def, this.input, this.readLive)));
    } catch (err) {
      if (err instanceof RunbookInputError) return this.result('failed', err.message);
      // An inspection that could not read the target: nothing was changed yet.
      if (err instanceof ActivityFailure)
        return this.result('failed', `inspection failed: ${failureMessage(err)}`);
      throw err;
    }
    if (this.input.dryRun) return this.dryRun();
    upsertSearchAttributes([
      { key: runbookAttribute, value: `${this.def.name}@v${this.def.version}` },
    ]);
    try {
      await this.def.body(this, this.input);
      return this.result('succeeded');
    } catch (err) {
      // Not knowing is no failure: nothing is undone without a measured one.
      if (err instanceof RecoveryUnverified || err instanceof PreconditionUnverified)
        return this.result('unverified', err.message);
      if (err instanceof RunbookNotApplicable) return this.result('not_applicable', err.message);
      if (err instanceof SymptomCleared) return this.result('not_needed', err.message);
      const halt = haltOf(err);
      this.phase = 'compensating';
      const undone = await this.saga.unwind();
      return undone
        ? this.result(halt.outcome, halt.message)
        : this.result('failed', `${halt.message}; compensation failed, see steps`);
    } finally {
      this.phase = 'done';
    }
  }

  async step<N extends ActionName>(o: StepOptions<N>): Promise<void> {
    this.throwIfCancelled();
    // An approval can wait long enough for the fault to pass: nothing is changed for one gone.
    const symptom = this.input.symptom;
    if (this.steps.length === 0 && symptom && patched(symptomCheckPatch)) {
      await checkSymptomHolds(symptom);
    }
    const { workflowId, runId } = workflowInfo();
    const record: StepRecord = {
      name: o.name,
      activity: o.action.activity,
      risk: o.risk,
      actionId: `${workflowId}/${runId}/${o.name}`,
      startedAt: new Date().toISOString(),
      status: 'running',
    };
    this.steps.push(record);
    try {
      // A step in flight is never abandoned half-way: it finishes (within its timeout) and is
      // then compensated like any other completed step.
      const result = await CancellationScope.nonCancellable(() =>
        invokeAction(o.action, record.actionId, { timeout: o.timeout, attempts: stepAttempts }),
      );
      record.status = 'succeeded';
      record.summary = result.summary;
      this.lastChangeAt = new Date().toISOString();
      this.saga.push(record, o.undo as Undo<never>, result.details, o.timeout);
    } catch (err) {
      record.status = 'failed';
      record.error = failureMessage(err);
      throw new RunbookHalt('rolled_back', `step ${o.name} failed: ${record.error}`);
    }
    this.throwIfCancelled();
  }

  /** Reads the target for the plan (read-only actions, retried like steps). */
  private readonly readLive: Inspector = async (o) => {
    const { workflowId, runId } = workflowInfo();
    const result = await invokeAction(o.action, `${workflowId}/${runId}/${o.name}`, {
      timeout: o.timeout,
      attempts: stepAttempts,
    });
    this.readings.set(o.name, result.details);
    return {
      details: result.details as ActionDetails<typeof o.action.activity>,
      summary: result.summary,
    };
  };

  async inspect<N extends ActionName>(o: InspectOptions<N>): Promise<ActionDetails<N>> {
    if (this.readings.has(o.name)) return this.readings.get(o.name) as ActionDetails<N>;
    return (await this.readLive(o)).details;
  }

  async approval(o: ApprovalOptions): Promise<void> {
    this.phase = 'awaiting_approval';
    await this.gates.pass(o);
    this.phase = 'running';
  }

  async verify(o: VerifyOptions): Promise<void> {
    this.phase = 'verifying';
    await verifyRecovery(o, {
      incidentId: this.input.incidentId,
      runbook: `${this.def.name} v${this.def.version}`,
      ...(this.lastChangeAt ? { changedAt: this.lastChangeAt } : {}),
      ...(this.input.symptom?.check ? { symptom: this.input.symptom.check } : {}),
    });
    this.phase = 'running';
  }

  async precondition(o: PreconditionOptions): Promise<void> {
    this.throwIfCancelled();
    await checkPrecondition(o, {
      incidentId: this.input.incidentId,
      runbook: `${this.def.name} v${this.def.version}`,
    });
  }

  private throwIfCancelled() {
    if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('cancelled');
  }

  /** Dry run: the plan, with each gate's approval count from the live policy; nothing acts. */
  private async dryRun(): Promise<RunbookResult> {
    for (const item of this.plan) {
      if (item.kind !== 'approval') continue;
      const policy = await resolveApprovalPolicy({
        runbook: this.def.name,
        risk: this.def.risk,
        approvers: item.approvers,
        escalateTo: [],
      });
      item.required = policy.required;
    }
    return this.result('dry_run');
  }

  private status(): RunbookStatus {
    const awaiting = this.gates.pending();
    return {
      runbook: { name: this.def.name, version: this.def.version },
      incidentId: this.input.incidentId,
      phase: this.phase,
      ...(awaiting ? { awaiting } : {}),
      steps: this.steps,
      approvals: this.gates.records,
    };
  }

  private result(outcome: RunbookOutcome, reason?: string): RunbookResult {
    return {
      outcome,
      runbook: { name: this.def.name, version: this.def.version },
      ...(reason ? { reason } : {}),
      plan: this.plan,
      steps: this.steps,
      approvals: this.gates.records,
    };
  }
}

/** Why a run stops: its own halts, or a cancellation; anything else is a bug and propagates. */
function haltOf(err: unknown): RunbookHalt {
  if (err instanceof RunbookHalt) return err;
  if (isCancellation(err)) return new RunbookHalt('rolled_back', 'cancelled');
  throw err;
}
