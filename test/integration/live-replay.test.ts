import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { defaultNezhaRoot } from '../../bench/nezha/dataset';
import { replayLive } from '../../bench/live-replay-core';
import { liveSettings } from '../../bench/nezha/live-timeline';
import { loadConfig } from '../../worker/config';
import { createIsolatedDatabase } from '../setup/database';
import { partitionsAround } from '../setup/detection-database';

// The Nezha recordings are the shared benchmark data (../shared/data), not part of the repository.
const hasNezha = existsSync(defaultNezhaRoot);

describe.skipIf(!hasNezha)(
  "live replay: bench:live's Nezha timeline → ingest → detection passes → incidents",
  () => {
    let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;

    beforeAll(async () => {
      db = await createIsolatedDatabase();
    });
    afterAll(async () => {
      await db.drop();
    });

    it("opens an incident for a recorded fault, records it, and ranks the fault's window", async () => {
      const start = Date.UTC(2026, 0, 5, 12, 0, 0);
      await partitionsAround(db.pool, start);
      const settings = {
        ...liveSettings({ LIVE_DAYS: '2023-01-30', LIVE_FAULTS_PER_DAY: '1' }),
        warmupMinutes: 3,
        faultFreeMinutes: 3,
        gapMinutes: 0,
      };
      const config = loadConfig({ AIOPS_INCIDENT_QUIET_SECONDS: '45' });
      const { run, incidents } = await replayLive(db.pool, settings, start, config);
      const [slot] = run.slots;
      const mine = incidents.filter(
        (r) => r.opened_at.getTime() >= slot!.injectAt && r.opened_at.getTime() < slot!.until,
      );
      expect(mine.length).toBeGreaterThan(0);
      expect(mine[0]!.opened_at.getTime() - slot!.injectAt).toBeLessThan(90_000);
      expect(mine[0]!.opening_root_cause).not.toBeNull();
      const { rows } = await db.pool.query<{ incident_id: string }>(
        'SELECT incident_id FROM incident WHERE incident_id = $1',
        [mine[0]!.incident_id],
      );
      expect(rows).toHaveLength(1);
    }, 300_000);
  },
);
