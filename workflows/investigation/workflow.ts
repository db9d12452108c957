import { ApplicationFailure, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type {
  RunbookRecommendation,
  SimilarIncident,
} from '../../activities/knowledge-graph/types';
import { runbookCatalog } from '../../runbooks/catalog';
import type { AnomalySignal } from '../incident/types';
import { investigationDetails } from './details';
import { investigationWindowProblems } from './limits';
import type { InvestigationInput, InvestigationResult } from './types';

const { rankRootCauses, findSimilarIncidents, recommendRunbook, recordInvestigationSummary } =
  proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    retry: { maximumInterval: '30 seconds', maximumAttempts: 5 },
  });
// The SDK retries the LLM call itself (honouring rate limits); give it room before ours.
const { summarizeIncident } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumInterval: '1 minute', maximumAttempts: 3 },
});

/**
 * Diagnoses a fault window: ranks root-cause candidates, consults the knowledge graph for
 * similar past incidents and the runbook that fixed them, and has the summary written. The
 * incident runs it as a child; `aiops investigate` runs it on its own over ingested data.
 */
export async function investigationWorkflow(
  input: InvestigationInput,
): Promise<InvestigationResult> {
  // A bad window fails the workflow now; retrying the activity with it could only fail again.
  const problems = investigationWindowProblems(input);
  if (problems.length)
    throw ApplicationFailure.nonRetryable(
      `invalid investigation input: ${problems.join('; ')}`,
      'InvalidInvestigationInput',
    );
  const ranked = await rankRootCauses.executeWithOptions(
    {
      startToCloseTimeout: '2 minutes',
      summary: `rank root causes ${input.faultStart} → ${input.end}`,
    },
    [input],
  );
  const notes: string[] = [...(ranked.notes ?? [])];
  setCurrentDetails(investigationDetails(ranked));
  const top = ranked.candidates[0];
  const services = input.incident?.services ?? ranked.candidates.map((c) => c.service);
  const symptoms = (input.incident?.anomalies ?? []).map((a) => ({
    service: a.service,
    signal: a.signal as AnomalySignal,
  }));

  let similarIncidents: SimilarIncident[] = [];
  const similar = await findSimilarIncidents.executeWithOptions(
    { startToCloseTimeout: '1 minute', summary: 'knowledge graph: similar past incidents' },
    [
      {
        services,
        symptoms,
        rootCauseService: top?.service,
        limit: 3,
        excludeIncidentId: input.incidentId,
      },
    ],
  );
  if (similar.available) similarIncidents = similar.incidents;
  else notes.push(`knowledge graph not consulted: ${similar.reason}`);

  let recommendation: RunbookRecommendation | undefined;
  if (top && similar.available) {
    const answer = await recommendRunbook.executeWithOptions(
      {
        startToCloseTimeout: '1 minute',
        summary: `knowledge graph: what fixed ${top.service} before`,
      },
      [{ service: top.service, kind: top.kind }],
    );
    if (answer.available)
      recommendation = { recommended: answer.recommended, tallies: answer.tallies };
  }

  const summary = await summarizeIncident.executeWithOptions(
    { startToCloseTimeout: '5 minutes', summary: 'write the incident summary' },
    [
      {
        incidentId: input.incidentId ?? input.investigationId,
        service: input.incident?.service ?? top?.service ?? 'unknown',
        severity: input.incident?.severity ?? 'medium',
        openedAt: input.incident?.openedAt ?? input.faultStart,
        candidates: ranked.candidates,
        anomalies: input.incident?.anomalies ?? [],
        logLines: ranked.candidates.flatMap((c) =>
          (c.evidence.templates ?? []).map((body) => ({ service: c.service, body })),
        ),
        similarIncidents,
        ...(recommendation?.recommended && {
          graphRecommendation: {
            runbook: recommendation.recommended.runbook,
            successes: recommendation.recommended.successes,
            failures: recommendation.recommended.failures,
          },
        }),
        runbookCatalog: runbookCatalog.map(({ name, title, kinds }) => ({ name, title, kinds })),
      },
    ],
  );
  await recordInvestigationSummary(input.investigationId, summary);
  const result = { ranked, similarIncidents, recommendation, summary, notes };
  setCurrentDetails(investigationDetails(ranked, [...summaryLines(result), ...notes]));
  return result;
}

function summaryLines(r: InvestigationResult): string[] {
  return [
    `**Summary** (${r.summary.source}): ${r.summary.summary}`,
    `**Likely cause**: ${r.summary.likelyCause} (confidence ${r.summary.confidence.toFixed(2)})`,
    `**Recommended runbook**: ${r.summary.recommendedRunbook ?? 'none (notify only)'}`,
    ...r.similarIncidents.map(
      (s) => `Similar past incident ${s.incidentId} (score ${s.score.toFixed(2)})`,
    ),
  ];
}
