import Anthropic from '@anthropic-ai/sdk';

export interface AnthropicConnection {
  apiKey: string | undefined;
  /** Unset: Anthropic's API. Tests point it at the local stand-in. */
  baseUrl: string | undefined;
}

/** The Messages API client, or undefined without a key (summaries then come from the template). */
export function createAnthropicClient({
  apiKey,
  baseUrl,
}: AnthropicConnection): Anthropic | undefined {
  if (!apiKey) return undefined;
  return new Anthropic({ apiKey, ...(baseUrl ? { baseURL: baseUrl } : {}) });
}
