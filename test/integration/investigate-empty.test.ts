import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../worker/config';
import { emptyWindowReason, runInvestigation } from '../../worker/commands/investigate';
import { useTemporalAndIsolatedDatabase } from '../setup/suite';
import { connectTemporal } from '../setup/temporal';

describe('aiops investigate over a window with no stored data', () => {
  const suite = useTemporalAndIsolatedDatabase();

  it('says there is nothing to rank instead of printing an empty candidate list', async () => {
    const { env, db } = suite;
    const config = loadConfig({
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      AIOPS_TASK_QUEUE_PREFIX: env.taskQueue,
    });
    const opts = {
      start: new Date(Date.now() - 10 * 60_000).toISOString(),
      end: new Date(Date.now() - 7 * 60_000).toISOString(),
      baseline: 3,
    };
    const incidentQueue = await connectTemporal(config.taskQueues.incident);
    try {
      const result = await incidentQueue.withWorker({ pool: db.pool }, () =>
        runInvestigation(config, opts),
      );
      expect(result.ranked.candidates).toEqual([]);
      expect(emptyWindowReason(result, opts)).toMatch(
        new RegExp(`^no spans stored to rank between ${opts.start} and ${opts.end}`),
      );
    } finally {
      await incidentQueue.close();
    }
  }, 120_000);
});
