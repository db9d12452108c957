import { canRun, latestRunbook, runbooksFor, type CatalogEntry } from '../../runbooks/catalog';
import type { RunbookInput } from '../../runbooks/sdk/types';

type GraphRecommendation = { runbook: string; successes: number; failures: number };

export interface RunbookChoice {
  entry: CatalogEntry;
  /** Why this one: shown in the incident's details. */
  reason: string;
}

/**
 * Picks the runbook for an incident from the catalog: what fixed this root cause most often
 * before (knowledge graph), else rolling back a version deployed shortly before (whatever the
 * kind: a bad deploy can show as errors, unanswered calls or a leak), else what the summary
 * recommends, else a remedy acting on the database where the fault shows (the input names one
 * only then: the service is that database, or its calls to it slowed), else the remedy for what
 * the cluster saw of the root cause (an OOMKilled container: a higher memory limit), else the
 * least risky remedy that fits the root-cause kind; notify-only when nothing else applies.
 */
export function chooseRunbook(
  input: RunbookInput,
  graphRecommendation: GraphRecommendation | undefined,
  summaryRecommendation: string | null,
): RunbookChoice {
  // notify-only fits every incident, so a first choice always exists.
  return nextRunbook(input, graphRecommendation, summaryRecommendation, [])!;
}

/**
 * The remedy to try after the runbooks in `tried` (already run for this incident), chosen as
 * chooseRunbook does among the fitting runbooks not tried yet: never the same one twice;
 * undefined when every fitting one was tried.
 */
export function nextRunbook(
  input: RunbookInput,
  graphRecommendation: GraphRecommendation | undefined,
  summaryRecommendation: string | null,
  tried: readonly string[],
): RunbookChoice | undefined {
  const fitting = runbooksFor(input).filter((e) => !tried.includes(e.name));
  const byName = (name: string | null | undefined) => fitting.find((e) => e.name === name);
  const fromGraph =
    graphRecommendation && graphRecommendation.successes > graphRecommendation.failures
      ? byName(graphRecommendation.runbook)
      : undefined;
  if (fromGraph) {
    return {
      entry: fromGraph,
      reason: `fixed this root cause ${graphRecommendation!.successes} time(s) before (knowledge graph)`,
    };
  }
  const rollback = latestRunbook('k8s-rollback');
  if (input.recentDeploy && rollback && canRun(rollback, input) && !tried.includes(rollback.name)) {
    return {
      entry: rollback,
      reason: `${input.service} version ${input.recentDeploy.version} was deployed at ${input.recentDeploy.firstSeen}, shortly before the fault`,
    };
  }
  const fromSummary = byName(summaryRecommendation);
  if (fromSummary && fromSummary.name !== 'notify-only') {
    return { entry: fromSummary, reason: 'recommended by the investigation summary' };
  }
  const onDatabase = input.database
    ? fitting.find((e) => e.requires.includes('database'))
    : undefined;
  if (onDatabase)
    return {
      entry: onDatabase,
      reason: `the fault shows in ${input.service}'s PostgreSQL calls to ${input.database}`,
    };
  const remedy = fitting.find((e) => e.name !== 'notify-only');
  if (remedy)
    return {
      entry: remedy,
      reason: `least risky remedy for ${input.rootCause?.kind ?? 'this'} faults`,
    };
  const notify = byName('notify-only');
  return notify && { entry: notify, reason: 'no safe remedy applies' };
}
