import type Anthropic from '@anthropic-ai/sdk';
import { buildPrompt } from './prompt';
import { InvalidReportError, readReport, reportToolName } from './report';
import type { LlmSettings } from './settings';
import type { IncidentSummary, SummaryInput } from './types';

/** One Messages API call that must answer with the report tool; the report is validated. */
export async function summarizeWithLlm(
  client: Anthropic,
  settings: LlmSettings,
  input: SummaryInput,
): Promise<IncidentSummary> {
  const prompt = buildPrompt(input, settings.inputTokenBudget);
  const message = await client.messages.create(
    {
      model: settings.model,
      max_tokens: settings.maxOutputTokens,
      system: prompt.system,
      tools: [prompt.tool],
      tool_choice: { type: 'tool', name: reportToolName },
      messages: [{ role: 'user', content: prompt.user }],
    },
    { timeout: settings.timeoutMs, maxRetries: settings.maxRetries },
  );
  const call = message.content.find(
    (block) => block.type === 'tool_use' && block.name === reportToolName,
  );
  if (!call || call.type !== 'tool_use') {
    throw new InvalidReportError(
      `the model did not call ${reportToolName} (stop reason: ${message.stop_reason ?? 'none'})`,
    );
  }
  const report = readReport(call.input, input.runbookCatalog);
  return {
    ...report,
    source: 'llm',
    model: message.model,
    notes: [...prompt.notes, ...report.notes],
  };
}
