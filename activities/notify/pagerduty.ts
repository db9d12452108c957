export const pagerDutyEventsUrl = 'https://events.pagerduty.com/v2/enqueue';

export interface PagerDutySettings {
  routingKey: string;
  /** Events API v2 endpoint (default PagerDuty's; a stand-in in tests). */
  url: string;
}

/**
 * Sends one Events API v2 event (202 accepted). A 400 means PagerDuty will never take it; a 429
 * or 5xx is worth retrying; both throw, with PagerDuty's message.
 */
export async function sendPagerDutyEvent(
  settings: PagerDutySettings,
  event: Record<string, unknown>,
): Promise<void> {
  const res = await fetch(settings.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ routing_key: settings.routingKey, ...event }),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status === 202 || res.ok) return;
  throw new Error(`PagerDuty answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
}
