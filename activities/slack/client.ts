// Bolt loads undici through @slack/socket-mode; on Node 20 it needs these gaps filled first.
import '../undici-node20';
import { webApi } from '@slack/bolt';

export type SlackClient = InstanceType<typeof webApi.WebClient>;

/** `apiUrl` points the client at a stand-in Web API in tests (default: https://slack.com/api/). */
export function createSlackClient(token: string, apiUrl?: string): SlackClient {
  return new webApi.WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    // Activities retry on their own schedule; the client's own minutes-long retries would
    // outlive the activity timeout.
    retryConfig: { retries: 1 },
  });
}
