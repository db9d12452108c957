import { readFile } from 'node:fs/promises';
import { liveMarkdown, type IncidentRow } from './nezha/live-score';
import { liveSettings, plan } from './nezha/live-timeline';
import { replayStart } from './live-replay-start';

/**
 * `npm run bench:live-score -- <incidents.json>`: bench:live's table again from the incidents a
 * bench:live-replay run wrote (LIVE_REPLAY_INCIDENTS), with the same LIVE_* settings and
 * LIVE_REPLAY_START, so a change to the score is read on earlier runs without replaying them.
 */
async function main() {
  const file = process.argv[2];
  if (!file) throw new Error('usage: npm run bench:live-score -- <incidents.json>');
  const settings = liveSettings(process.env);
  const start = replayStart(process.env);
  const stored = JSON.parse(await readFile(file, 'utf8')) as (IncidentRow & {
    opened_at: string;
  })[];
  const incidents = stored.map((r) => ({ ...r, opened_at: new Date(r.opened_at) }));
  console.log(
    liveMarkdown(plan(start, settings), incidents, start, settings, 'npm run bench:live-replay'),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
