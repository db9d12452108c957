import { createPool, type Pool } from '../store/db';
import { databaseUrl, loadConfig } from '../worker/config';
import {
  clock,
  liveMarkdown,
  whyOpened,
  type IncidentRow,
  type OpeningAnomaly,
} from './nezha/live-score';
import { dueRequests, liveSettings, minuteMs, plan, settleMs } from './nezha/live-timeline';
import { sendRequest } from './nezha/send';

/**
 * `npm run bench:live`: the Nezha data replayed in real time into a running engine
 * (`npm start -- --no-demo`) through its OTLP/HTTP receiver, time-shifted to now, and scored
 * from the engine's own incident table. The timeline is nezha/live-timeline.ts's (shared with
 * bench:live-replay, which plays it in simulated time).
 *
 * LIVE_PROFILE=short (default: the first fault of each type on the Train Ticket days) or full
 * (every fault of every day); LIVE_DAYS (comma-separated, to replay fewer days); LIVE_FAULTS
 * (comma-separated `<day>#<number>`, e.g. `2022-08-22#8,2022-08-22#13`: only these faults of the
 * replayed days, numbered 1-based in their day's injection order whatever the profile; the
 * report's # column then shows that number); LIVE_WARMUP_MINUTES, LIVE_FAULT_FREE_MINUTES,
 * LIVE_GAP_MINUTES, LIVE_SEED, LIVE_FAULTS_PER_DAY. The engine is found as `npm start` runs it
 * (same environment: AIOPS_HOME, ports).
 */
const env = process.env;
const settings = liveSettings(env);
const tickMs = 1_000;

/**
 * Why each incident opened: the anomalies of the last detection pass, committed before the
 * incident's row, that reported its fingerprint (the engine's own pass output).
 */
async function openingAnomalies(
  pool: Pool,
  incidents: IncidentRow[],
): Promise<Map<string, OpeningAnomaly[]>> {
  const why = new Map<string, OpeningAnomaly[]>();
  for (const incident of incidents) {
    const { rows } = await pool.query<{ anomalies: OpeningAnomaly[] }>(
      `SELECT c->'anomalies' AS anomalies
       FROM detection_pass, jsonb_array_elements(result->'candidates') c
       WHERE finished_at <= $1 AND finished_at > $1::timestamptz - interval '1 minute'
         AND c->>'fingerprint' = $2
       ORDER BY finished_at DESC LIMIT 1`,
      [incident.opened_at, incident.fingerprint],
    );
    why.set(incident.incident_id, rows[0]?.anomalies ?? []);
  }
  return why;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const config = loadConfig(env);
  const endpoint = env.LIVE_OTLP_ENDPOINT ?? `http://127.0.0.1:${config.ingest.httpPort}`;
  const pool = createPool(databaseUrl(config));
  const start = Math.ceil((Date.now() + 5_000) / minuteMs) * minuteMs;
  const run = plan(start, settings);
  console.log(
    `bench:live ${settings.profile}: ${run.slots.length} faults, ${((run.end - start) / minuteMs).toFixed(0)} min from ${clock(start)} UTC, to ${endpoint}`,
  );
  const requestsDue = dueRequests(run.minutes);
  let announced = 0;
  for (let now = Date.now(); now < run.end + settleMs; now = Date.now()) {
    for (const request of requestsDue(now)) {
      try {
        await sendRequest(endpoint, request);
      } catch (err) {
        console.error(`${clock(now)} send failed: ${String(err)}`);
      }
    }
    for (; announced < run.slots.length && run.slots[announced]!.injectAt <= now; announced++) {
      const slot = run.slots[announced]!;
      console.log(
        `${clock(now)} fault: ${slot.fault.type} on ${slot.fault.service} (${slot.fault.day} ${slot.fault.injectTime.toISOString().slice(11, 19)})`,
      );
    }
    await sleep(Math.max(0, tickMs - (Date.now() - now)));
  }

  const { rows } = await pool.query<IncidentRow>(
    `SELECT i.incident_id, i.fingerprint, i.opened_at, i.service, i.services, i.root_cause,
       v.candidates->0->>'service' AS opening_root_cause
     FROM incident i LEFT JOIN investigation v ON v.investigation_id = 'investigation-' || i.incident_id
     WHERE i.opened_at >= $1 ORDER BY i.opened_at`,
    [new Date(start)],
  );
  const why = await openingAnomalies(pool, rows);
  await pool.end();
  console.log(liveMarkdown(run, rows, start, settings));
  console.log(whyOpened(rows, why));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
