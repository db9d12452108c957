import type Anthropic from '@anthropic-ai/sdk';
import { APIError } from '@anthropic-ai/sdk';
import { summarizeWithLlm } from './llm';
import type { LlmSettings } from './settings';
import { InvalidReportError } from './report';
import { templateSummary } from './template';
import type { IncidentSummary, SummaryInput } from './types';

export { createAnthropicClient } from './client';
export { defaultLlmSettings, type LlmSettings } from './settings';
export type * from './types';

export interface SummarizerDeps {
  /** Unset (no ANTHROPIC_API_KEY): every summary comes from the deterministic template. */
  anthropic?: Anthropic;
  llm: LlmSettings;
}

export function createSummarizerActivities({ anthropic, llm }: SummarizerDeps) {
  return {
    /**
     * A readable summary of an incident from its evidence. The LLM writes it when configured;
     * when it is not, or it fails after the SDK's retries, or answers outside the contract, the
     * template writes it instead and `notes` says why: a summary never fails an investigation.
     */
    async summarizeIncident(input: SummaryInput): Promise<IncidentSummary> {
      if (!anthropic) return templateSummary(input, ['no ANTHROPIC_API_KEY: template summary']);
      try {
        return await summarizeWithLlm(anthropic, llm, input);
      } catch (err) {
        if (!(err instanceof APIError || err instanceof InvalidReportError)) throw err;
        return templateSummary(input, [`LLM summary unavailable (${err.message.split('\n')[0]})`]);
      }
    },
  };
}

export type SummarizerActivities = ReturnType<typeof createSummarizerActivities>;
