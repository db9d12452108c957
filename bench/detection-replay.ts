import { directionalScorer, ensembleScorer } from '../activities/detection';
import { faultKinds, type FaultKind } from '../simulator/faults';
import { onlineBoutique } from '../simulator/online-boutique';
import { quietServiceTraffic } from '../simulator/simulate';
import { loadConfig } from '../worker/config';
import { replayMarkdown, runReplay } from './detection-replay-core';
import { withScratchDatabase } from './scratch-database';
import { scheduledDetection } from './simulated-engine';

/**
 * `npm run bench:detection-replay`: bench:e2e's detection half in simulated time, in minutes
 * instead of hours (see detection-replay-core.ts). Seeds default to ones bench:e2e does not use
 * (it uses traffic seed 11 and fault seeds 100 + i).
 */
const env = process.env;
const faults = Number(env.REPLAY_FAULTS ?? 20);
const faultFreeMinutes = Number(env.REPLAY_FAULT_FREE_MINUTES ?? 60);
const trafficSeed = Number(env.REPLAY_TRAFFIC_SEED ?? 1000);
const faultSeed = Number(env.REPLAY_FAULT_SEED ?? 2000);
const verbose = env.REPLAY_VERBOSE === '1';
/** Entry requests per second (the demo's 15 by default) and lumpy quiet-service traffic. */
const rps = Number(env.REPLAY_RPS ?? 15);
const lumpy = env.REPLAY_LUMPY === '1' ? quietServiceTraffic : undefined;
/** Seconds between faults with nobody approving a runbook (the demo's `--fault-every`); unset: bench:e2e's loop. */
const unattendedEvery = env.REPLAY_UNATTENDED_EVERY
  ? Number(env.REPLAY_UNATTENDED_EVERY)
  : undefined;
if (unattendedEvery !== undefined && !(unattendedEvery > 0))
  throw new Error(
    `REPLAY_UNATTENDED_EVERY is seconds between faults, not "${env.REPLAY_UNATTENDED_EVERY}"`,
  );
/** `ensemble`: score with bench:nab's ensemble instead of the schedule's scorer. */
const scorer = env.REPLAY_SCORER ?? 'schedule';
if (!['schedule', 'directional', 'ensemble'].includes(scorer))
  throw new Error(`unknown scorer ${scorer}`);
/** Comma-separated fault kinds to cycle through (default: all). */
const kinds = env.REPLAY_KINDS?.split(',').map((k) => {
  if (!(faultKinds as readonly string[]).includes(k)) throw new Error(`unknown fault kind ${k}`);
  return k as FaultKind;
});

async function main() {
  // The same settings bench:e2e's engine runs with (its quiet period is shortened to 45 s).
  const config = loadConfig({ ...env, AIOPS_INCIDENT_QUIET_SECONDS: '45' });
  const start = Date.UTC(2026, 10, 20, 3, 0, 0);
  const partitions = { from: new Date(start - 3_600_000), to: new Date(start + 12 * 3_600_000) };
  await withScratchDatabase('replay', partitions, async (pool) => {
    const result = await runReplay({
      pool,
      topology: onlineBoutique,
      trafficSeed,
      faultSeed,
      faults,
      kinds,
      faultFreeMinutes,
      rps,
      lumpy,
      start,
      ...(unattendedEvery && { unattendedFaultEveryMs: unattendedEvery * 1000 }),
      ...scheduledDetection(config),
      ...(scorer !== 'schedule' && {
        scorerFor: scorer === 'ensemble' ? ensembleScorer : directionalScorer,
      }),
      log: verbose ? (line) => console.log(line) : undefined,
    });
    console.log(
      `${scorer !== 'schedule' ? `REPLAY_SCORER=${scorer} ` : ''}${kinds ? `REPLAY_KINDS=${kinds.join(',')} ` : ''}${rps !== 15 ? `REPLAY_RPS=${rps} ` : ''}${lumpy ? 'REPLAY_LUMPY=1 ' : ''}${unattendedEvery ? `REPLAY_UNATTENDED_EVERY=${unattendedEvery} ` : ''}REPLAY_FAULTS=${faults} REPLAY_FAULT_FREE_MINUTES=${faultFreeMinutes} REPLAY_TRAFFIC_SEED=${trafficSeed} REPLAY_FAULT_SEED=${faultSeed} npm run bench:detection-replay — ${result.passes} passes in ${result.wallSeconds.toFixed(0)} s\n`,
    );
    console.log(replayMarkdown(result));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
