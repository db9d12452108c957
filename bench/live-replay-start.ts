/** Where bench:live-replay puts its timeline: LIVE_REPLAY_START (a whole minute) or a fixed time. */
export function replayStart(env: NodeJS.ProcessEnv): number {
  const start = env.LIVE_REPLAY_START
    ? Date.parse(env.LIVE_REPLAY_START)
    : Date.UTC(2026, 10, 20, 3, 0, 0);
  if (!Number.isFinite(start) || start % 60_000 !== 0)
    throw new Error(`LIVE_REPLAY_START must be a whole minute, not ${env.LIVE_REPLAY_START}`);
  return start;
}
