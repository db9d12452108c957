/**
 * Posts built OTLP/JSON requests (./replay.ts) to an OTLP/HTTP receiver, honouring Retry-After on
 * push-back (429/503); any other refusal, or a partial success that rejected rows, is an error.
 */
import type { ExportRequest } from './replay';

export interface SendOptions {
  maxAttempts?: number;
  /** Called per accepted request (e.g. progress output). */
  onSent?: (request: ExportRequest) => void;
}

const rejectedField = {
  traces: 'rejectedSpans',
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
} as const;

export async function sendRequest(
  endpoint: string,
  request: ExportRequest,
  maxAttempts = 5,
): Promise<void> {
  const body = JSON.stringify(request.body);
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${endpoint.replace(/\/$/, '')}/v1/${request.signal}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const text = await res.text();
    if (res.ok) {
      const partial = text
        ? ((JSON.parse(text) as { partialSuccess?: Record<string, unknown> }).partialSuccess ?? {})
        : {};
      const rejected = Number(partial[rejectedField[request.signal]] ?? 0);
      if (rejected > 0) {
        throw new Error(
          `OTLP ${request.signal}: ${rejected} rejected (${String(partial.errorMessage)})`,
        );
      }
      return;
    }
    if ((res.status !== 429 && res.status !== 503) || attempt >= maxAttempts) {
      throw new Error(`OTLP ${request.signal} export failed: HTTP ${res.status} ${text}`);
    }
    const wait = Number(res.headers.get('retry-after') ?? '1');
    await new Promise((r) => setTimeout(r, Math.min(10, Math.max(0.2, wait)) * 1000));
  }
}

/** Sends the requests in order, one at a time (the receiver applies its own backpressure). */
export async function sendReplay(
  endpoint: string,
  requests: readonly ExportRequest[],
  options: SendOptions = {},
): Promise<void> {
  for (const request of requests) {
    await sendRequest(endpoint, request, options.maxAttempts);
    options.onSent?.(request);
  }
}
