import { describe, expect, it } from 'vitest';
import { incidentDetails } from '../../workflows/incident/details';
import type { IncidentState } from '../../workflows/incident/types';
import { investigationDetails } from '../../workflows/investigation/details';

const oom = 'k8s: pod cart-7d9f-x2 container cart OOMKilled (exit 137, 3 restarts)';
const alert = 'alert CartErrors (critical) fired at 2026-01-31T14:05:00.000Z';

describe('what the cluster and alerts said, on the incident and its investigation', () => {
  it("lists the root cause's outside evidence in the incident's details", () => {
    const state: IncidentState = {
      incidentId: 'incident-1',
      fingerprint: 'cart',
      service: 'frontend',
      services: ['frontend', 'cart'],
      status: 'remediating',
      severity: 'high',
      openedAt: '2026-01-31T14:05:00Z',
      lastAnomalyAt: '2026-01-31T14:06:00Z',
      anomalyCount: 4,
      topAnomalies: [],
      rootCause: { service: 'cart', kind: 'memory', score: 0.91, outside: [oom, alert] },
    };
    const md = incidentDetails(state);
    expect(md).toContain('| root cause | cart (memory, score 0.91) |');
    expect(md).toContain(`### What the cluster and alerts say of cart\n\n- ${oom}\n- ${alert}`);
    expect(
      incidentDetails({ ...state, rootCause: { ...state.rootCause!, outside: [] } }),
    ).not.toContain('What the cluster');
  });

  it("puts it first in the candidate's evidence in the investigation's details", () => {
    const md = investigationDetails({
      investigationId: 'inv-1',
      spans: 10,
      traceSampleRatio: 1,
      methods: ['baro'],
      candidates: [
        {
          service: 'cart',
          kind: 'memory',
          score: 0.9,
          evidence: { outside: [oom, alert], metricDeltas: { rss: 1e8 } },
        },
      ],
    });
    expect(md).toContain(`| 1 | cart |  | memory | 0.900 | ${oom}<br>${alert}<br>rss +1.00e+8 |`);
  });
});
