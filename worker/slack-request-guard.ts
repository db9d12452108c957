import type { IncomingMessage } from 'node:http';
import { verifySlackRequest } from '@slack/bolt';
import { readBody } from './read-body';

/** Slack's own rule: a request older than five minutes is stale. */
const maxAgeSeconds = 5 * 60;
/** Clocks drift; a request from further ahead than this was not sent now. */
const maxAheadSeconds = 60;
/** Interaction payloads are a few KiB; anything far larger is not from Slack. */
const maxBodyBytes = 1024 * 1024;

export type GuardVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Checks a request to the Slack endpoint before Bolt handles it: the signature and staleness
 * (Bolt's own check), a timestamp too far in the future, and a replay of a request already
 * accepted (same signature within its five-minute life). On success the raw body is left on
 * the request, where Bolt reads it instead of the consumed stream.
 */
export function slackRequestGuard(signingSecret: string, now: () => number = Date.now) {
  const seen = new Map<string, number>();
  return async (req: IncomingMessage & { rawBody?: Buffer }): Promise<GuardVerdict> => {
    const body = await readBody(req, maxBodyBytes);
    if (body === undefined) return { ok: false, reason: 'request body too large' };
    req.rawBody = body;
    const signature = header(req, 'x-slack-signature');
    const timestamp = Number(header(req, 'x-slack-request-timestamp'));
    const nowMs = now();
    try {
      verifySlackRequest({
        signingSecret,
        body: body.toString('utf8'),
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
        nowMilliseconds: nowMs,
      });
    } catch (err) {
      return { ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
    const nowSeconds = Math.floor(nowMs / 1000);
    if (timestamp > nowSeconds + maxAheadSeconds) {
      return { ok: false, reason: 'x-slack-request-timestamp is in the future' };
    }
    for (const [sig, expires] of seen) if (expires <= nowSeconds) seen.delete(sig);
    if (seen.has(signature)) return { ok: false, reason: 'replay of a request already accepted' };
    seen.set(signature, timestamp + maxAgeSeconds + maxAheadSeconds);
    return { ok: true };
  };
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return typeof v === 'string' ? v : '';
}
