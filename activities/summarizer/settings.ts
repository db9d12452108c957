export interface LlmSettings {
  model: string;
  /** Per attempt; the SDK retries timeouts too. */
  timeoutMs: number;
  /** 429, 408, 409, 5xx and connection errors are retried by the SDK, honouring retry-after. */
  maxRetries: number;
  inputTokenBudget: number;
  maxOutputTokens: number;
}

/** The defaults of the AIOPS_LLM_* settings, and what activities use when given none. */
export const defaultLlmSettings: LlmSettings = {
  model: 'claude-sonnet-5-5',
  timeoutMs: 60_000,
  maxRetries: 3,
  inputTokenBudget: 12_000,
  maxOutputTokens: 1_024,
};
