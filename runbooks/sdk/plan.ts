import { isIrreversible, type ActionDetails, type ActionName } from './actions';
import {
  RunbookNotApplicable,
  type ApprovalOptions,
  type InspectOptions,
  type RunbookContext,
  type RunbookDefinition,
  type StepOptions,
  type VerifyOptions,
} from './context';
import type { PreconditionOptions } from './precondition';
import { riskOrder, type PlanItem, type RunbookInput } from './types';

/** How the planner reads the live target for an inspection: its details and a summary. */
export type Inspector = <N extends ActionName>(
  o: InspectOptions<N>,
) => Promise<{ details: ActionDetails<N>; summary?: string }>;

/** Without a live target, an inspection plans with the runbook's example reading. */
const fromExample: Inspector = async (o) => ({ details: o.example });

/**
 * Runs a runbook body without acting: every building block only writes down what it would do,
 * except inspections, which read (never change) the live target through `inspector`. Steps
 * return nothing to the body, so the plan is exactly the path a run takes when every step
 * succeeds; this is what approvers see and what a dry run returns.
 */
export async function planOf(
  def: RunbookDefinition,
  input: RunbookInput,
  inspector: Inspector = fromExample,
): Promise<PlanItem[]> {
  const planner = new Planner(def, inspector);
  try {
    await def.body(planner, input);
  } catch (err) {
    // A body that cannot act on this target ends its plan where it says so.
    if (!(err instanceof RunbookNotApplicable)) throw err;
  }
  return planner.items;
}

class Planner implements RunbookContext {
  readonly items: PlanItem[] = [];

  constructor(
    private readonly def: RunbookDefinition,
    private readonly inspector: Inspector,
  ) {}

  async inspect<N extends ActionName>(o: InspectOptions<N>): Promise<ActionDetails<N>> {
    this.claim(o.name);
    const { details, summary } = await this.inspector(o);
    this.items.push({
      kind: 'inspect',
      name: o.name,
      describe: o.describe,
      activity: o.action.activity,
      ...(summary === undefined ? {} : { found: summary }),
    });
    return details;
  }

  async step<N extends ActionName>(o: StepOptions<N>): Promise<void> {
    this.claim(o.name);
    // A runbook that understates its risk would slip past the approval policy.
    if (riskOrder.indexOf(o.risk) > riskOrder.indexOf(this.def.risk)) {
      throw new Error(
        `runbook ${this.def.name} v${this.def.version}: step ${o.name} is ${o.risk} risk, above the runbook's ${this.def.risk}`,
      );
    }
    this.items.push({
      kind: 'step',
      name: o.name,
      describe: o.describe,
      risk: o.risk,
      activity: o.action.activity,
      undo: isIrreversible(o.undo) ? `cannot be undone: ${o.undo.irreversible}` : o.undo.describe,
    });
  }

  async approval(o: ApprovalOptions): Promise<void> {
    this.claim(o.name);
    this.items.push({
      kind: 'approval',
      name: o.name,
      describe: o.describe,
      approvers: o.approvers,
      timeout: String(o.timeout),
    });
  }

  async verify(o: VerifyOptions): Promise<void> {
    const name = `verify-${o.service}`;
    this.claim(name);
    this.items.push({
      kind: 'verify',
      name,
      describe: `wait up to ${String(o.within)} for ${o.service}'s error rate and latency to recover`,
    });
  }

  async precondition(o: PreconditionOptions): Promise<void> {
    const name = `precondition-${o.service}`;
    this.claim(name);
    this.items.push({
      kind: 'precondition',
      name,
      describe: `check that ${o.service} still fails before going on`,
    });
  }

  /** Names key idempotency and approvals, so they must be unique within a run. */
  private claim(name: string) {
    if (this.items.some((item) => item.name === name)) {
      throw new Error(`runbook ${this.def.name}: two building blocks are named ${name}`);
    }
  }
}
