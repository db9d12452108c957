import { createHmac } from 'node:crypto';

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (see README). */
export const signatureHeader = 'X-Aiops-Signature';

export function webhookSignature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/**
 * POSTs one event as JSON, signed when a secret is set (the timestamp in the signed text lets a
 * receiver refuse replays). Any 2xx is delivered; anything else throws with what came back.
 */
export async function postWebhook(
  target: { url: string; secret: string | undefined },
  event: unknown,
  now: () => number = Date.now,
): Promise<void> {
  const body = JSON.stringify(event);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (target.secret)
    headers[signatureHeader] = webhookSignature(target.secret, Math.floor(now() / 1000), body);
  const res = await fetch(target.url, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok)
    throw new Error(`webhook answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
}
