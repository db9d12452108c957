import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { NativeConnection, Worker } from '@temporalio/worker';
import { signalIncident, type IncidentStartOptions } from '../../activities/incident-signal';
import type { SymptomBaselineRequest } from '../../activities/incident-symptom';
import { runbookWorkflowId } from '../../runbooks/sdk/messages';
import type { RunbookInput } from '../../runbooks/sdk/types';
import type { Anomaly, IncidentCandidate, IncidentState } from '../../workflows/incident/types';
import { connectTemporal, type TemporalTestEnv } from './temporal';

/** The first anomalies of an incident on `service`: a new log template, plus `also` signals. */
function incidentCandidate(
  fingerprint: string,
  service: string,
  also: Anomaly['signal'][] = [],
): IncidentCandidate {
  const at = new Date().toISOString();
  return {
    fingerprint,
    service,
    services: [service],
    anomalies: [
      { seriesKey: `logs:${service}:t1`, service, signal: 'logs', score: 0.97, value: 40, at },
      ...also.map((signal) => ({
        seriesKey: `${signal}:${service}`,
        service,
        signal,
        score: 0.9,
        value: 1,
        at,
      })),
    ],
    observedAt: at,
  };
}

/** The incident workflow's own activities, standing in for the store, the cluster and the graph. */
const activities = {
  async recordIncident(_state: IncidentState) {
    return { undelivered: 0 };
  },
  async resolveRemediationTarget(service: string) {
    return {
      namespace: 'shop',
      deployment: service,
      recentDeploy: { version: 'v2', firstSeen: '2026-01-01T00:00:00.000Z' },
    };
  },
  async recordIncidentInGraph() {
    return { available: true };
  },
  /**
   * The quiet baseline a fix is verified against, as if the service had an earlier incident from
   * 7 to 2 minutes before the fault: the baseline reaches back past it and leaves it out.
   */
  async symptomBaseline(request: SymptomBaselineRequest) {
    const to = Date.parse(request.faultStart);
    const before = (minutes: number) => new Date(to - minutes * 60_000).toISOString();
    return {
      baselineFrom: before(request.baselineMinutes + 5),
      baselineTo: request.faultStart,
      excluded: [{ from: before(7), to: before(2) }],
    };
  },
};

/**
 * Runs incidents to their end on the test server with stand-in children (`workflowsPath` exports
 * the incident workflow beside fake investigations and runbooks). Call it in a `describe`: it
 * connects before the tests and closes after them.
 */
export function incidentHarness(workflowsPath: string) {
  let env: TemporalTestEnv;
  beforeAll(async () => {
    env = await connectTemporal();
  });
  afterAll(async () => {
    await env.close();
  });

  return {
    /**
     * Opens an incident on `service` for `scenario` (the stand-ins read it from the incident id)
     * and waits until it ends. Its first anomaly is timed once the worker is up, so the bundling
     * does not eat into the incident's waits.
     */
    async run(
      scenario: string,
      options: { service: string; also?: Anomaly['signal'][] } & Omit<
        IncidentStartOptions,
        'taskQueue'
      >,
    ) {
      const { service, also, ...start } = options;
      const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
      try {
        const worker = await Worker.create({
          connection,
          taskQueue: env.taskQueue,
          workflowsPath,
          activities,
        });
        return await worker.runUntil(async () => {
          const fingerprint = `${scenario}-${randomUUID().slice(0, 8)}`;
          const workflowId = await signalIncident(
            env.client,
            incidentCandidate(fingerprint, service, also),
            { ...start, taskQueue: env.taskQueue },
          );
          const handle = env.client.workflow.getHandle(workflowId);
          const state: IncidentState = await handle.result();
          const history = await handle.fetchHistory();
          const children = history
            .events!.map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
            .filter((id): id is string => !!id);
          return { state, workflowId, described: await handle.describe(), children };
        });
      } finally {
        await connection.close();
      }
    },

    /** The input each runbook attempt of the incident was started with, in order. */
    async runbookInputs(incidentId: string, attempts: number): Promise<RunbookInput[]> {
      const inputs: RunbookInput[] = [];
      for (let attempt = 1; attempt <= attempts; attempt++) {
        const history = await env.client.workflow
          .getHandle(runbookWorkflowId(incidentId, attempt))
          .fetchHistory();
        const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
        inputs.push(JSON.parse(Buffer.from(started.input!.payloads![0]!.data!).toString()));
      }
      return inputs;
    },
  };
}
