import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlagActivities, type FlagEndpoint } from '../../activities/http/flags';
import { createEscalationActivities } from '../../activities/notify/escalate';
import { startFlagService, type FlagService } from '../fixtures/flag-service';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../pagerduty-standin/server';
import { quietActivityEnvironment, quietRuntime } from '../setup/temporal';

describe('feature flag actions over HTTP', () => {
  let service: FlagService;
  let flags: Record<string, FlagEndpoint>;
  const activity = quietActivityEnvironment();

  beforeAll(async () => {
    quietRuntime();
    service = await startFlagService();
    const base = {
      method: 'PUT' as const,
      field: 'enabled',
      safe: false,
      headers: { Authorization: 'Bearer t0k3n' },
    };
    flags = {
      'new-checkout': { ...base, url: `${service.url}/flags/new-checkout` },
      'gone-flag': { ...base, url: `${service.url}/flags/gone-flag` },
    };
  });
  afterAll(async () => {
    await service?.close();
  });

  it('sets the safe value, says what it was, and the undo puts that back', async () => {
    const { httpReadFlag, httpSetFlag } = createFlagActivities({ flags });
    const read = (await activity.run(httpReadFlag, {
      actionId: 'a/r/read',
      params: { flag: 'new-checkout' },
    })) as Awaited<ReturnType<typeof httpReadFlag>>;
    expect(read.details).toEqual({ value: true, safe: false });

    const set = (await activity.run(httpSetFlag, {
      actionId: 'a/r/set',
      params: { flag: 'new-checkout' },
    })) as Awaited<ReturnType<typeof httpSetFlag>>;
    expect(set).toMatchObject({ changed: true, details: { previous: true, value: false } });
    expect(service.flags['new-checkout']).toBe(false);
    // A retry finds it set and writes nothing.
    const again = (await activity.run(httpSetFlag, {
      actionId: 'a/r/set',
      params: { flag: 'new-checkout' },
    })) as Awaited<ReturnType<typeof httpSetFlag>>;
    expect(again.changed).toBe(false);
    expect(service.writes).toHaveLength(1);

    await activity.run(httpSetFlag, {
      actionId: 'a/r/undo',
      params: { flag: 'new-checkout', value: set.details.previous },
    });
    expect(service.flags['new-checkout']).toBe(true);
    expect(service.writes.map((w) => w.body)).toEqual([{ enabled: false }, { enabled: true }]);
  });

  it('refuses a flag not allow-listed, and does not retry a refused request', async () => {
    const { httpSetFlag } = createFlagActivities({ flags });
    await expect(
      activity.run(httpSetFlag, { actionId: 'b/r/s', params: { flag: 'kill-switch' } }),
    ).rejects.toMatchObject({ type: 'NotAllowed', nonRetryable: true });
    await expect(
      activity.run(httpSetFlag, { actionId: 'b/r/t', params: { flag: 'gone-flag' } }),
    ).rejects.toMatchObject({
      type: 'FlagRequestRefused',
      nonRetryable: true,
      message: 'GET gone-flag answered 404: no such flag',
    });
  });
});

describe('escalation action', () => {
  let pagerDuty: PagerDutyStandIn;
  const activity = quietActivityEnvironment();
  beforeAll(async () => {
    pagerDuty = await startPagerDutyStandIn();
  });
  afterAll(async () => {
    await pagerDuty?.close();
  });

  const params = {
    incidentId: 'INC-9',
    service: 'checkout',
    summary: 'payments-api unreachable for 4 minutes',
    severity: 'error' as const,
  };

  it('pages PagerDuty once per action, even when retried', async () => {
    const { escalateIncident } = createEscalationActivities({
      escalation: { pagerDuty: { routingKey: 'r'.repeat(32), url: pagerDuty.url } },
    });
    for (let i = 0; i < 2; i++) {
      const result = (await activity.run(escalateIncident, {
        actionId: 'runbook-INC-9/r1/page',
        params,
      })) as Awaited<ReturnType<typeof escalateIncident>>;
      expect(result.details.sentTo).toEqual(['pagerduty']);
    }
    const sent = pagerDuty.events.filter((e) => e.dedup_key === 'runbook-INC-9/r1/page');
    // Two deliveries, one alert: PagerDuty adds a repeated dedup key to the open alert.
    expect(sent).toHaveLength(2);
    expect([...pagerDuty.alerts.keys()]).toEqual(['runbook-INC-9/r1/page']);
    expect(sent[0]).toMatchObject({
      event_action: 'trigger',
      payload: { summary: params.summary, source: 'checkout', severity: 'error' },
    });
  });

  it('fails clearly when nothing to escalate to is configured', async () => {
    const { escalateIncident } = createEscalationActivities({});
    await expect(
      activity.run(escalateIncident, { actionId: 'x/y/z', params }),
    ).rejects.toMatchObject({ type: 'NotConfigured', nonRetryable: true });
  });
});
