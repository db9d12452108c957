import { describe, expect, it } from 'vitest';
import { burstWarmupMs } from '../../detectors/anomaly/template-burst';
import {
  familiarBuckets,
  returnSilenceMs,
  trackReturningErrors,
  type ReturningErrorState,
  type SevereCount,
} from '../../detectors/anomaly/returning-errors';

const start = 1_000_000_000;
const bucket = 10_000;
const warm: ReturningErrorState = { seen: {}, since: start - burstWarmupMs };
const error = (at: number, value = 1): SevereCount => ({
  seriesKey: 'tmpl:checkout:e1',
  service: 'checkout',
  bucket: at,
  value,
});

/** Feeds the counts one pass per bucket, as the detection schedule does; returns every burst. */
function run(state: ReturningErrorState | undefined, counts: SevereCount[]) {
  let s = state;
  const bursts = [];
  for (const at of [...new Set(counts.map((c) => c.bucket))].sort((a, b) => a - b)) {
    const pass = trackReturningErrors(
      s,
      counts.filter((c) => c.bucket === at),
      at,
    );
    s = pass.state;
    bursts.push(...pass.bursts);
  }
  return { state: s!, bursts };
}

describe('rare errors that return', () => {
  it('reports an error that came once as a burst when it bursts again after a silence', () => {
    const first = run(warm, [error(start, 2), error(start + bucket, 1)]);
    expect(first.bursts).toEqual([]);
    const back = start + bucket + returnSilenceMs;
    const again = run(first.state, [error(back, 1), error(back + bucket, 2)]);
    expect(again.bursts).toEqual([
      { seriesKey: 'tmpl:checkout:e1', service: 'checkout', bucket: back + bucket, records: 3 },
    ]);
  });

  it('does not report an error the service logs in many buckets (its everyday noise)', () => {
    const everyday = Array.from({ length: familiarBuckets }, (_, i) => error(start + i * bucket));
    const first = run(warm, everyday);
    const back = start + familiarBuckets * bucket + returnSilenceMs;
    expect(run(first.state, [error(back, 2), error(back + bucket, 2)]).bursts).toEqual([]);
  });

  it('needs the silence, and a burst: a steady error or a single line is no return', () => {
    const first = run(warm, [error(start, 3)]);
    const soon = start + returnSilenceMs - bucket;
    expect(run(first.state, [error(soon, 5)]).bursts).toEqual([]);
    const back = start + returnSilenceMs;
    expect(run(first.state, [error(back, 1), error(back + 2 * bucket + 60_000, 1)]).bursts).toEqual(
      [],
    );
  });

  it('does not report a burst of an error that so far came only a line at a time', () => {
    const sporadic = [0, 3, 6].map((m) => error(start + m * 60_000));
    const first = run(warm, sporadic);
    const back = start + 6 * 60_000 + returnSilenceMs;
    expect(run(first.state, [error(back, 3)]).bursts).toEqual([]);
  });

  it('counts a bucket read again for late rows once', () => {
    const first = run(warm, [error(start, 3)]);
    const back = start + returnSilenceMs;
    const pass = trackReturningErrors(first.state, [error(back, 2)], back);
    const reread = trackReturningErrors(pass.state, [error(back, 2)], back + bucket);
    expect([...pass.bursts, ...reread.bursts]).toEqual([]);
  });

  it('knows no history while it warms up, so reports nothing then', () => {
    const cold = run(undefined, [error(start, 3)]);
    const back = start + returnSilenceMs;
    expect(run(cold.state, [error(back, 3)]).bursts).toEqual([]);
  });
});
