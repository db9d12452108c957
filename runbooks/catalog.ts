import type { CandidateKind } from '../activities/rca/candidate';
import { riskOrder, type Risk, type RunbookInput } from './sdk/types';

/** One runbook version the engine can start; plain data, safe to use in workflow code. */
export interface CatalogEntry {
  name: string;
  version: number;
  /** The workflow type to start (exported from workflows/index.ts). */
  workflowType: string;
  title: string;
  risk: Risk;
  /** Root cause kinds it is a remedy for; empty: only when asked for by name. */
  kinds: CandidateKind[] | 'any';
  /** Input fields it cannot run without (where to act). */
  requires: (keyof RunbookInput)[];
}

/**
 * Every registered runbook version. Older versions stay listed (and registered with the worker)
 * while runs started on them may still be in flight; new runs take the latest version.
 */
export const runbookCatalog: readonly CatalogEntry[] = [
  {
    name: 'k8s-rollback',
    version: 1,
    workflowType: 'k8sRollbackV1',
    title: 'Roll a Deployment back to its previous revision',
    risk: 'medium',
    kinds: ['errors', 'latency', 'logs'],
    requires: ['deployment'],
  },
  {
    name: 'k8s-rollout-restart',
    version: 1,
    workflowType: 'k8sRolloutRestartV1',
    title: 'Rolling restart of a Deployment',
    risk: 'medium',
    kinds: ['memory', 'saturation', 'logs', 'latency'],
    requires: ['deployment'],
  },
  {
    name: 'k8s-scale-out',
    version: 1,
    workflowType: 'k8sScaleOutV1',
    title: 'Scale a Deployment out',
    risk: 'low',
    kinds: ['saturation', 'latency'],
    requires: ['deployment'],
  },
  {
    name: 'k8s-scale-out',
    version: 2,
    workflowType: 'k8sScaleOutV2',
    title: 'Scale a Deployment out',
    risk: 'low',
    kinds: ['saturation', 'latency'],
    requires: ['deployment'],
  },
  {
    name: 'ssh-restart-unit',
    version: 1,
    workflowType: 'sshRestartUnitV1',
    title: 'Restart a systemd service on its host',
    risk: 'medium',
    kinds: ['memory', 'saturation', 'errors', 'logs', 'latency'],
    requires: ['host', 'unit'],
  },
  {
    name: 'ssh-run-script',
    version: 1,
    workflowType: 'sshRunScriptV1',
    title: 'Run an allow-listed script on a host',
    risk: 'high',
    kinds: [],
    requires: ['host', 'script'],
  },
  {
    name: 'notify-only',
    version: 1,
    workflowType: 'notifyOnlyV1',
    title: 'Notify the incident channel',
    risk: 'low',
    kinds: 'any',
    requires: [],
  },
];

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
 * The runbooks (latest versions) that fit an incident: the root cause kind matches and the input
 * says where to act. Least risky first; notify-only always fits, so the list is never empty.
 */
export function runbooksFor(input: RunbookInput): CatalogEntry[] {
  const kind = input.rootCause?.kind;
  const names = [...new Set(runbookCatalog.map((e) => e.name))];
  return names
    .map((name) => latestRunbook(name) as CatalogEntry)
    .filter((e) => e.kinds === 'any' || (kind !== undefined && e.kinds.includes(kind)))
    .filter((e) => canRun(e, input))
    .sort(
      (a, b) =>
        riskOrder.indexOf(a.risk) - riskOrder.indexOf(b.risk) || a.name.localeCompare(b.name),
    );
}
