import { ApplicationFailure } from '@temporalio/activity';
import type { ActionRequest, ActionResult } from '../../runbooks/sdk/types';

/** A JSON value a flag can hold. */
export type FlagValue = boolean | number | string | null;

/** One allow-listed feature flag: where it is read and written, and its known-safe value. */
export interface FlagEndpoint {
  /** GET answers a JSON object holding the value under `field`; PUT/PATCH takes `{field: value}`. */
  url: string;
  method: 'PUT' | 'PATCH';
  /** The key of the value in the flag's JSON object (default `value`). */
  field?: string;
  /** The value that turns the risky behaviour off (what a runbook sets when asked for none). */
  safe: FlagValue;
  /** Sent with every request (e.g. an API token). */
  headers?: Record<string, string>;
}

const timeoutMs = 10_000;

function notAllowed(flag: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`flag ${flag} is not allow-listed`, 'NotAllowed');
}

/** A 4xx will not change on retry; 5xx and network errors may. */
async function answer(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  if (!res.ok) {
    const message = `${what} answered ${res.status}: ${text.slice(0, 200)}`;
    throw res.status < 500
      ? ApplicationFailure.nonRetryable(message, 'FlagRequestRefused')
      : ApplicationFailure.retryable(message, 'FlagServiceUnavailable');
  }
  return text === '' ? undefined : JSON.parse(text);
}

/**
 * Feature flags through a generic HTTP endpoint, only those the worker's allow-list names
 * (AIOPS_FLAGS): their URLs and credentials stay in the configuration, runbooks name a flag.
 */
export function createFlagActivities({ flags }: { flags?: Record<string, FlagEndpoint> }) {
  function endpoint(flag: string): FlagEndpoint {
    const found = flags?.[flag];
    if (!found) throw notAllowed(flag);
    return found;
  }

  async function read(flag: string, e: FlagEndpoint): Promise<FlagValue> {
    const res = await fetch(e.url, {
      headers: { Accept: 'application/json', ...e.headers },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await answer(res, `GET ${flag}`);
    const field = e.field ?? 'value';
    if (typeof body !== 'object' || body === null || !(field in body))
      throw ApplicationFailure.nonRetryable(
        `GET ${flag}: the answer has no ${field}`,
        'FlagRequestRefused',
      );
    return (body as Record<string, FlagValue>)[field] ?? null;
  }

  return {
    /** Read-only: the flag's current value and its configured safe value. Nothing to undo. */
    async httpReadFlag({
      params,
    }: ActionRequest<{ flag: string }>): Promise<
      ActionResult<{ value: FlagValue; safe: FlagValue }>
    > {
      const e = endpoint(params.flag);
      const value = await read(params.flag, e);
      return {
        summary: `flag ${params.flag} is ${JSON.stringify(value)} (safe: ${JSON.stringify(e.safe)})`,
        changed: false,
        details: { value, safe: e.safe },
      };
    },

    /**
     * Sets the flag (to `value`, or its safe value when none is given), reporting what it was
     * so the undo can put that back. Idempotent: a flag already at the value is left alone.
     */
    async httpSetFlag({
      params,
    }: ActionRequest<{ flag: string; value?: FlagValue }>): Promise<
      ActionResult<{ previous: FlagValue; value: FlagValue }>
    > {
      const e = endpoint(params.flag);
      const value = params.value === undefined ? e.safe : params.value;
      const previous = await read(params.flag, e);
      const shown = `flag ${params.flag}`;
      if (previous === value)
        return {
          summary: `${shown} already ${JSON.stringify(value)}`,
          changed: false,
          details: { previous, value },
        };
      const res = await fetch(e.url, {
        method: e.method,
        headers: { 'Content-Type': 'application/json', ...e.headers },
        body: JSON.stringify({ [e.field ?? 'value']: value }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await answer(res, `${e.method} ${params.flag}`);
      return {
        summary: `${shown} set from ${JSON.stringify(previous)} to ${JSON.stringify(value)}`,
        changed: true,
        details: { previous, value },
      };
    },
  };
}
