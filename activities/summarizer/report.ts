import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import type { IncidentSummary, SummaryInput } from './types';

/**
 * The structured output: the model must call this tool, and its input is the report. The
 * schema's enum already limits the runbook to the catalog; the result is still validated here,
 * because a schema is a request to the model, not a guarantee.
 */
export const reportToolName = 'report_incident';

export function reportTool(catalog: SummaryInput['runbookCatalog']): Tool {
  const names = catalog.map((r) => r.name);
  return {
    name: reportToolName,
    description:
      'Report the incident to the on-call engineers: what happened, the likely cause, how sure ' +
      'you are, which catalog runbook (if any) to run, and what to check next.',
    input_schema: {
      type: 'object',
      properties: {
        summary: { type: 'string', description: '2 to 4 sentences: what happened, where, impact.' },
        likely_cause: { type: 'string', description: 'The most likely root cause, one sentence.' },
        confidence: {
          type: 'number',
          minimum: 0,
          maximum: 1,
          description: 'How strongly the evidence supports likely_cause, from 0 to 1.',
        },
        recommended_runbook: {
          anyOf: [...(names.length ? [{ type: 'string', enum: names }] : []), { type: 'null' }],
          description: 'Exactly one runbook name from the catalog, or null when none fits.',
        },
        next_checks: {
          type: 'array',
          items: { type: 'string' },
          maxItems: 5,
          description: 'Concrete checks for an engineer, most useful first.',
        },
      },
      required: ['summary', 'likely_cause', 'confidence', 'recommended_runbook', 'next_checks'],
      additionalProperties: false,
    },
  };
}

const reportSchema = z.object({
  summary: z.string().trim().min(1).max(4000),
  likely_cause: z.string().trim().min(1).max(2000),
  confidence: z.number().min(0).max(1),
  recommended_runbook: z.string().nullable(),
  next_checks: z.array(z.string().trim().min(1).max(1000)).max(10),
});

export class InvalidReportError extends Error {}

/**
 * Validates the tool input and keeps the runbook only when it is in the catalog: anything else
 * (an invented name, one planted in a log line) becomes null, i.e. notify only.
 */
export function readReport(
  toolInput: unknown,
  catalog: SummaryInput['runbookCatalog'],
): Omit<IncidentSummary, 'source' | 'model'> {
  const parsed = reportSchema.safeParse(toolInput);
  if (!parsed.success) {
    throw new InvalidReportError(
      `the model's ${reportToolName} input is invalid: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'} ${i.message}`)
        .join('; ')}`,
    );
  }
  const r = parsed.data;
  const notes: string[] = [];
  let recommendedRunbook = r.recommended_runbook;
  if (recommendedRunbook !== null && !catalog.some((c) => c.name === recommendedRunbook)) {
    notes.push(
      `the model recommended ${JSON.stringify(recommendedRunbook)}, which is not in the runbook ` +
        'catalog; dropped (notify only)',
    );
    recommendedRunbook = null;
  }
  return {
    summary: r.summary,
    likelyCause: r.likely_cause,
    confidence: r.confidence,
    recommendedRunbook,
    nextChecks: r.next_checks.slice(0, 5),
    notes,
  };
}
