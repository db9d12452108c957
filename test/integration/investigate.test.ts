import { describe, expect, inject, it } from 'vitest';
import { startReceivers } from '../../ingest/receivers';
import { onlineBoutique } from '../../simulator/online-boutique';
import { exportBatch } from '../../simulator/otlp-export';
import { makeScenario } from '../../simulator/scenario';
import { simulate } from '../../simulator/simulate';
import { loadConfig } from '../../worker/config';
import { candidatesJson, runInvestigation } from '../../worker/commands/investigate';
import { freePort } from '../../worker/stack/ports';
import { useTemporalAndIsolatedDatabase } from '../setup/suite';
import { connectTemporal } from '../setup/temporal';

describe('aiops investigate on data ingested through the OTLP receiver', () => {
  const suite = useTemporalAndIsolatedDatabase();

  it('names the injected service first and prints the candidates as JSON', async () => {
    const { env, db } = suite;
    const config = loadConfig({
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      AIOPS_TASK_QUEUE_PREFIX: env.taskQueue,
      AIOPS_OTLP_GRPC_PORT: String(await freePort()),
      AIOPS_OTLP_HTTP_PORT: String(await freePort()),
    });
    // A seeded error burst, moved to end a minute ago (the receiver refuses very old data).
    const scenario = makeScenario(onlineBoutique, 'error-burst', 1, {
      rps: 20,
      baselineSec: 240,
      faultSec: 120,
    });
    // Whole buckets, so the evidence's 10 s buckets fall where the scenario's do on every run.
    const shift = Math.floor((Date.now() - 60_000 - scenario.window.end) / 10_000) * 10_000;
    const faults = scenario.faults.map((f) => ({
      ...f,
      startMs: f.startMs + shift,
      endMs: f.endMs + shift,
    }));
    const receivers = await startReceivers({ config, pool: db.pool });
    try {
      const endpoint = `http://127.0.0.1:${receivers.httpPort}`;
      for (const batch of simulate({ ...scenario, start: scenario.start + shift, faults })) {
        await exportBatch(endpoint, batch);
      }
    } finally {
      await receivers.stop();
    }

    const incidentQueue = await connectTemporal(config.taskQueues.incident);
    try {
      const result = await incidentQueue.withWorker({ pool: db.pool }, () =>
        runInvestigation(config, {
          start: new Date(scenario.window.faultStart + shift).toISOString(),
          end: new Date(scenario.window.end + shift).toISOString(),
          baseline: 4,
        }),
      );
      expect(result.ranked.candidates[0]?.service).toBe(scenario.groundTruth.service);
      expect(result.summary.source).toBe('template');
      const json = JSON.parse(candidatesJson(result)) as {
        candidates: { service: string; kind: string; score: number; operation: string | null }[];
      };
      expect(json.candidates[0]).toMatchObject({ service: scenario.groundTruth.service });
      expect(Object.keys(json.candidates[0]!).sort()).toEqual([
        'evidence',
        'kind',
        'operation',
        'score',
        'service',
      ]);
    } finally {
      await incidentQueue.close();
    }
  }, 180_000);
});
