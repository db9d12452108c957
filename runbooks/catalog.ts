import type { CandidateKind } from '../activities/rca/candidate';
import type { Finding } from '../activities/rca/outside-evidence';
import * as builtins from './index';
import type { IncidentKind } from './sdk/incident-kinds';
import { requiredFields } from './sdk/inputs';
import type { RunbookWorkflow } from './sdk/runbook';
import { riskOrder, type Risk, type RunbookInput } from './sdk/types';

/** One runbook version the engine can start; plain data, safe to use in workflow code. */
export interface CatalogEntry {
  name: string;
  version: number;
  /** The workflow type to start (its export name in runbooks/index.ts). */
  workflowType: string;
  title: string;
  risk: Risk;
  /** Root cause kinds it is a remedy for; empty: only when asked for by name. */
  kinds: CandidateKind[] | 'any';
  /** What must have been seen of the root cause for it to fit (any one); empty: nothing. */
  findings: Finding[];
  /** What, once seen of the root cause, makes it no remedy. */
  ruledOutBy: Finding[];
  /** The incidents it fits, in operators' words. */
  incidentKinds: IncidentKind[];
  /** Input fields it cannot run without (where to act). */
  requires: (keyof RunbookInput)[];
}

/** A catalog entry from a runbook's own declaration, under the name the worker registers. */
export function catalogEntry(workflowType: string, workflow: RunbookWorkflow): CatalogEntry {
  const { name, version, title, risk, kinds, findings, ruledOutBy, incidentKinds, inputs } =
    workflow.definition;
  return {
    name,
    version,
    workflowType,
    title,
    risk,
    kinds: kinds ?? [],
    findings: findings ?? [],
    ruledOutBy: ruledOutBy ?? [],
    incidentKinds: incidentKinds ?? [],
    requires: requiredFields(inputs),
  };
}

/**
 * Every registered runbook version, derived from the runbooks themselves. Older versions stay
 * listed (and registered with the worker) while runs started on them may still be in flight;
 * new runs take the latest version.
 */
export const runbookCatalog: readonly CatalogEntry[] = Object.entries(
  builtins as Record<string, RunbookWorkflow>,
).map(([workflowType, workflow]) => catalogEntry(workflowType, workflow));
/** The version new runs of `name` use. */
export function latestRunbook(name: string): CatalogEntry | undefined {
  return runbookCatalog
    .filter((e) => e.name === name)
    .reduce<CatalogEntry | undefined>(
      (best, e) => (!best || e.version > best.version ? e : best),
      undefined,
    );
}

/** The input says where this runbook acts. */
export function canRun(entry: CatalogEntry, input: RunbookInput): boolean {
  return entry.requires.every((field) => input[field] !== undefined && input[field] !== '');
}

/**
 * The runbooks (latest versions) that fit an incident: the root cause kind matches, what the
 * runbook asks to have been seen of the root cause was seen and nothing seen rules it out, and
 * the input says where to act. Remedies for what the platform saw (an OOMKilled container, a
 * crash loop) come first, then the least risky; notify-only always fits, so the list is never
 * empty.
 */
export function runbooksFor(input: RunbookInput): CatalogEntry[] {
  const kind = input.rootCause?.kind;
  const seen = new Set(input.rootCause?.findings ?? []);
  const forFinding = (e: CatalogEntry) => e.findings.some((f) => seen.has(f));
  const names = [...new Set(runbookCatalog.map((e) => e.name))];
  return names
    .map((name) => latestRunbook(name) as CatalogEntry)
    .filter((e) => e.kinds === 'any' || (kind !== undefined && e.kinds.includes(kind)))
    .filter((e) => e.findings.length === 0 || forFinding(e))
    .filter((e) => !e.ruledOutBy.some((f) => seen.has(f)))
    .filter((e) => canRun(e, input))
    .sort(
      (a, b) =>
        Number(forFinding(b)) - Number(forFinding(a)) ||
        riskOrder.indexOf(a.risk) - riskOrder.indexOf(b.risk) ||
        a.name.localeCompare(b.name),
    );
}
