import type { IncidentSummary, SummaryInput } from './types';

/**
 * The summary without an LLM: the same evidence, put into fixed sentences. Deterministic (same
 * input, same output), it never interprets log text, and it recommends a runbook only on the
 * record: what the knowledge graph says fixed such incidents, or what fixed the most similar
 * one, and only when that runbook is in the catalog.
 */
export function templateSummary(input: SummaryInput, notes: string[]): IncidentSummary {
  const [top, second] = input.candidates;
  const services = [...new Set(input.anomalies.map((a) => a.service))].sort();
  const signals = [...new Set(input.anomalies.map((a) => a.signal))].sort();
  const summary = [
    `${capitalize(input.severity)} incident on ${input.service}, opened ${input.openedAt}.`,
    input.anomalies.length
      ? `${input.anomalies.length} anomal${input.anomalies.length === 1 ? 'y' : 'ies'} (${signals.join(', ')}) on ${services.join(', ')}.`
      : 'No anomalies were attached.',
    top
      ? `The top root-cause candidate is ${describe(top)}${second ? `, ahead of ${describe(second)}` : ''}.`
      : 'Root-cause analysis named no candidate.',
    ...(top?.evidence.outside?.length ? [`Of ${top.service}: ${top.evidence.outside[0]}.`] : []),
  ].join(' ');
  return {
    summary,
    likelyCause: top ? `${top.kind} in ${describe(top)}` : 'undetermined',
    confidence: confidence(input),
    recommendedRunbook: recordedRunbook(input),
    nextChecks: nextChecks(input),
    source: 'template',
    notes,
  };
}

function describe(c: SummaryInput['candidates'][number]): string {
  return `${c.service}${c.operation ? ` (${c.operation})` : ''}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The top candidate's share of the top three scores (scores are only comparable within one
 * ranking), capped at 0.8: a template never claims to be sure.
 */
function confidence(input: SummaryInput): number {
  const scores = input.candidates.slice(0, 3).map((c) => Math.max(0, c.score));
  const total = scores.reduce((a, b) => a + b, 0);
  const top = scores[0] ?? 0;
  return total > 0 ? Math.round(Math.min(0.8, top / total) * 100) / 100 : 0;
}

function recordedRunbook(input: SummaryInput): string | null {
  const inCatalog = (name: string | undefined) =>
    name !== undefined && input.runbookCatalog.some((r) => r.name === name) ? name : undefined;
  const fromGraph =
    input.graphRecommendation && input.graphRecommendation.successes > 0
      ? inCatalog(input.graphRecommendation.runbook)
      : undefined;
  const fromSimilar = input.similarIncidents[0]?.remediations.find(
    (r) => r.outcome === 'succeeded',
  )?.runbook;
  return fromGraph ?? inCatalog(fromSimilar) ?? null;
}

function nextChecks(input: SummaryInput): string[] {
  const checks: string[] = [];
  for (const c of input.candidates.slice(0, 2)) {
    checks.push(`Check ${c.kind} of ${describe(c)} against its baseline.`);
    const trace = c.evidence.traceIds?.[0];
    if (trace) checks.push(`Open trace ${trace}.`);
  }
  const logServices = [...new Set(input.logLines.map((l) => l.service))].slice(0, 2);
  for (const service of logServices) checks.push(`Read the recent error logs of ${service}.`);
  const similar = input.similarIncidents[0];
  if (similar) checks.push(`Compare with past incident ${similar.incidentId}.`);
  return checks.slice(0, 5);
}
