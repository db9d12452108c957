import { randomUUID } from 'node:crypto';
import type { Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createGraphDriver,
  createKnowledgeGraphActivities,
  type IncidentGraphRecord,
  type KnowledgeGraphActivities,
} from '../../activities/knowledge-graph';
import { freePort } from '../../worker/stack/ports';

/** The real Neo4j the global setup started; a clear failure when it could not start. */
function neo4jConnection() {
  const neo4j = inject('neo4j');
  if ('error' in neo4j) throw new Error(`The test Neo4j did not start: ${neo4j.error}`);
  return neo4j;
}

describe('knowledge graph (real Neo4j)', () => {
  // Names unique to this run, so nothing else in the database can interfere with the results.
  const suffix = randomUUID().slice(0, 8);
  const svc = (name: string) => `${name}-${suffix}`;
  const id = (name: string) => `${name}-${suffix}`;
  let driver: Driver;
  let graph: KnowledgeGraphActivities;

  const incident = (
    name: string,
    fields: Partial<IncidentGraphRecord> & Pick<IncidentGraphRecord, 'services' | 'symptoms'>,
  ): IncidentGraphRecord => ({
    incidentId: id(name),
    fingerprint: `fp-${name}`,
    severity: 'high',
    openedAt: '2026-11-01T10:00:00.000Z',
    remediations: [],
    ...fields,
  });

  beforeAll(async () => {
    driver = createGraphDriver(neo4jConnection());
    graph = createKnowledgeGraphActivities({ neo4j: driver });
    const edges = await graph.recordServiceGraph({
      calls: [
        { caller: svc('frontend'), callee: svc('checkout') },
        { caller: svc('checkout'), callee: svc('payment') },
        { caller: svc('payment'), callee: svc('payments-db') },
        { caller: svc('frontend'), callee: svc('catalog') },
      ],
      observedAt: '2026-11-01T09:00:00.000Z',
    });
    expect(edges).toEqual({ available: true, calls: 4 });
  });
  afterAll(async () => {
    await driver?.close();
  });

  const count = async (cypher: string, params: Record<string, unknown>) => {
    const { records } = await driver.executeQuery(cypher, params);
    return Number(records[0]?.get(0));
  };

  it('records an incident idempotently: recording it twice leaves one node and one set of edges', async () => {
    const record = incident('twice', {
      services: [svc('checkout'), svc('payment')],
      symptoms: [{ service: svc('payment'), signal: 'latency' }],
      rootCause: { service: svc('payment'), kind: 'latency', score: 0.9 },
      remediations: [
        { runbook: 'k8s-rollout-restart', version: 1, outcome: 'succeeded', approvedBy: ['ana'] },
      ],
      resolvedAt: '2026-11-01T10:20:00.000Z',
      summary: 'payment latency after a deploy',
    });
    expect(await graph.recordIncidentInGraph(record)).toEqual({
      available: true,
      incidentId: record.incidentId,
    });
    expect(await graph.recordIncidentInGraph(record)).toMatchObject({ available: true });

    const params = { id: record.incidentId };
    expect(await count('MATCH (i:Incident {id: $id}) RETURN count(i)', params)).toBe(1);
    expect(
      await count('MATCH (:Incident {id: $id})-[r:AFFECTED]->() RETURN count(r)', params),
    ).toBe(2);
    expect(
      await count('MATCH (:Incident {id: $id})-[r:ROOT_CAUSE]->() RETURN count(r)', params),
    ).toBe(1);
    expect(await count('MATCH (:Incident {id: $id})-[r:MATCHES]->() RETURN count(r)', params)).toBe(
      1,
    );
    expect(
      await count('MATCH (:Incident {id: $id})-[r:REMEDIATED_BY]->() RETURN count(r)', params),
    ).toBe(1);
    expect(
      await count('MATCH (s:Service {name: $name}) RETURN count(s)', { name: svc('payment') }),
    ).toBe(1);
  });

  it('returns the most similar past incident first', async () => {
    const records = [
      // Same subgraph, same symptoms, same root cause: the one we expect first.
      incident('alike', {
        services: [svc('checkout'), svc('payment')],
        symptoms: [
          { service: svc('payment'), signal: 'latency' },
          { service: svc('checkout'), signal: 'latency' },
        ],
        rootCause: { service: svc('payment'), kind: 'latency', score: 0.8 },
      }),
      // Overlapping services, other symptoms and another root cause.
      incident('partly', {
        services: [svc('frontend'), svc('checkout'), svc('payment')],
        symptoms: [{ service: svc('frontend'), signal: 'errors' }],
        rootCause: { service: svc('checkout'), kind: 'errors', score: 0.7 },
      }),
      // Nothing in common.
      incident('unrelated', {
        services: [svc('catalog')],
        symptoms: [{ service: svc('catalog'), signal: 'errors' }],
        rootCause: { service: svc('catalog'), kind: 'errors', score: 0.9 },
      }),
    ];
    for (const r of records) await graph.recordIncidentInGraph(r);

    const answer = await graph.findSimilarIncidents({
      services: [svc('checkout'), svc('payment')],
      symptoms: [
        { service: svc('payment'), signal: 'latency' },
        { service: svc('checkout'), signal: 'latency' },
      ],
      rootCauseService: svc('payment'),
      limit: 5,
    });
    if (!answer.available) throw new Error(answer.reason);
    const ids = answer.incidents.map((i) => i.incidentId);
    expect(ids[0]).toBe(id('alike'));
    expect(answer.incidents[0]?.score).toBeCloseTo(1, 5);
    expect(answer.incidents[0]?.sharedServices).toEqual([svc('checkout'), svc('payment')].sort());
    expect(answer.incidents[0]?.rootCause).toEqual({
      service: svc('payment'),
      kind: 'latency',
      score: 0.8,
    });
    expect(ids.indexOf(id('alike'))).toBeLessThan(ids.indexOf(id('partly')));
    expect(ids).not.toContain(id('unrelated'));

    const without = await graph.findSimilarIncidents({
      services: [svc('checkout'), svc('payment')],
      symptoms: [{ service: svc('payment'), signal: 'latency' }],
      limit: 1,
      excludeIncidentId: id('alike'),
    });
    if (!without.available) throw new Error(without.reason);
    expect(without.incidents.map((i) => i.incidentId)).not.toContain(id('alike'));
  });

  it('recommends the runbook that fixed such incidents most often, with its tally', async () => {
    const db = svc('orders-db');
    const fixedBy = (
      name: string,
      ...remediations: IncidentGraphRecord['remediations']
    ): IncidentGraphRecord =>
      incident(name, {
        services: [db],
        symptoms: [{ service: db, signal: 'saturation' }],
        rootCause: { service: db, kind: 'saturation', score: 0.9 },
        remediations,
      });
    const attempt = (
      runbook: string,
      outcome: 'succeeded' | 'failed' | 'rolled_back' | 'rejected',
    ) => ({
      runbook,
      version: 1,
      outcome,
      approvedBy: ['oncall'],
    });
    for (const r of [
      fixedBy(
        'sat-1',
        attempt('k8s-scale-out', 'failed'),
        attempt('k8s-rollout-restart', 'succeeded'),
      ),
      fixedBy('sat-2', attempt('k8s-rollout-restart', 'succeeded')),
      fixedBy('sat-3', attempt('k8s-scale-out', 'succeeded')),
      fixedBy('sat-4', attempt('k8s-rollback', 'rolled_back')),
      fixedBy('sat-5', attempt('k8s-rollout-restart', 'rejected')),
    ]) {
      await graph.recordIncidentInGraph(r);
    }
    // Another kind on the same service does not count.
    await graph.recordIncidentInGraph(
      incident('err-1', {
        services: [db],
        symptoms: [{ service: db, signal: 'errors' }],
        rootCause: { service: db, kind: 'errors', score: 0.9 },
        remediations: [attempt('k8s-rollback', 'succeeded'), attempt('k8s-rollback', 'succeeded')],
      }),
    );

    const answer = await graph.recommendRunbook({ service: db, kind: 'saturation' });
    expect(answer).toEqual({
      available: true,
      recommended: { runbook: 'k8s-rollout-restart', successes: 2, failures: 0 },
      tallies: [
        { runbook: 'k8s-rollout-restart', successes: 2, failures: 0 },
        { runbook: 'k8s-scale-out', successes: 1, failures: 1 },
        { runbook: 'k8s-rollback', successes: 0, failures: 1 },
      ],
    });
    expect(await graph.recommendRunbook({ service: svc('nowhere'), kind: 'latency' })).toEqual({
      available: true,
      tallies: [],
    });
  });

  it('answers available:false, without throwing, when Neo4j is unreachable or not configured', async () => {
    const port = await freePort();
    const unreachable = createGraphDriver({
      uri: `bolt://127.0.0.1:${port}`,
      user: 'neo4j',
      password: 'whatever',
    });
    try {
      const offline = createKnowledgeGraphActivities({ neo4j: unreachable });
      const started = Date.now();
      const answers = [
        await offline.recordIncidentInGraph(
          incident('offline', { services: [svc('x')], symptoms: [] }),
        ),
        await offline.recordServiceGraph({ calls: [], observedAt: '2026-11-01T00:00:00Z' }),
        await offline.findSimilarIncidents({ services: [svc('x')], symptoms: [], limit: 3 }),
        await offline.recommendRunbook({ service: svc('x'), kind: 'latency' }),
      ];
      for (const a of answers) {
        expect(a.available).toBe(false);
        expect(!a.available && a.reason).toMatch(/unreachable/);
      }
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await unreachable.close();
    }

    const unconfigured = createKnowledgeGraphActivities({});
    expect(await unconfigured.recommendRunbook({ service: 'a', kind: 'errors' })).toEqual({
      available: false,
      reason: 'no knowledge graph configured',
    });
  });

  it('answers available:false when Neo4j refuses the credentials', async () => {
    const { uri } = neo4jConnection();
    const wrong = createGraphDriver({ uri, user: 'neo4j', password: 'not-the-password' });
    try {
      const answer = await createKnowledgeGraphActivities({ neo4j: wrong }).findSimilarIncidents({
        services: [svc('checkout')],
        symptoms: [],
        limit: 1,
      });
      expect(answer.available).toBe(false);
    } finally {
      await wrong.close();
    }
  });
});
