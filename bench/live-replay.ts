import { writeFile } from 'node:fs/promises';
import { loadConfig } from '../worker/config';
import { replayLive } from './live-replay-core';
import { liveMarkdown, whyOpened } from './nezha/live-score';
import { liveSettings } from './nezha/live-timeline';
import { replayStart } from './live-replay-start';
import { withScratchDatabase } from './scratch-database';

/**
 * `npm run bench:live-replay`: bench:live in simulated time. The same timeline (same settings and
 * seed, the same minutes) goes in 1-second slices, as bench:live posts it, through the real
 * ingest pipeline into a scratch PostgreSQL, the real detection pass runs on the Schedule's
 * cadence with its clock on the simulated timeline, incidents follow the incident workflow
 * (opening ranking, the matured one when the opening was not decisive), and bench:live's table is
 * printed from them.
 *
 * Env: bench:live's LIVE_* knobs; LIVE_REPLAY_START (ISO time, a whole minute) to put the
 * timeline where a live run had it; LIVE_REPLAY_VERBOSE=1 for the pass-by-pass log;
 * LIVE_REPLAY_INCIDENTS=<file> to write the incidents as JSON (to compare with a live run's table,
 * or to score them again with bench:live-score).
 */
const env = process.env;

async function main() {
  const settings = liveSettings(env);
  // bench:live's engine runs with its quiet period shortened to 45 s.
  const config = loadConfig({ ...env, AIOPS_INCIDENT_QUIET_SECONDS: '45' });
  const start = replayStart(env);
  const partitions = { from: new Date(start - 3_600_000), to: new Date(start + 12 * 3_600_000) };
  await withScratchDatabase('live-replay', partitions, async (pool) => {
    const result = await replayLive(
      pool,
      settings,
      start,
      config,
      env.LIVE_REPLAY_VERBOSE === '1' ? (line) => console.log(line) : undefined,
    );
    console.log(
      `bench:live-replay ${settings.profile}: ${result.run.slots.length} faults, ${((result.run.end - start) / 60_000).toFixed(0)} simulated min, ${result.passes} passes in ${result.wallSeconds.toFixed(0)} s`,
    );
    console.log(
      liveMarkdown(result.run, result.incidents, start, settings, 'npm run bench:live-replay'),
    );
    if (env.LIVE_REPLAY_INCIDENTS)
      await writeFile(env.LIVE_REPLAY_INCIDENTS, JSON.stringify(result.incidents, null, 1));
    console.log(
      whyOpened(result.incidents, new Map(result.opened.map((o) => [o.id, o.anomalies]))),
    );
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
