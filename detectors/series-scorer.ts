/**
 * Scores live RED, metric and log-count series for the detection pass, counted only in the
 * direction that hurts (slower, more errors, more error logs; metrics either way).
 *
 * Latency, metrics and log counts: robust z of each point against the rolling median/MAD of
 * recent healthy points, with floors on the change so a flat series does not alarm on noise.
 * Latency also needs evidence in numbers of requests: a p95 is one request's latency when the
 * bucket holds one, and a service that now and then serves a slow request does so again. The
 * bucket's requests slower than the suspicious line are tested (binomial, pooled over the
 * latest buckets) against how often the series' own recent requests were that slow, so one slow
 * request is never an anomaly and fifty are. How much slower counts too: requests slower than
 * every bucket of the baseline window are tested against how rarely its requests could have been
 * (a handful of calls to a quiet service each taking seconds, against a worst of 240 ms).
 * A point far off the level stays out of the baseline even when its requests are too few to be
 * news (still no anomaly): a fault's first slow calls must not become what the series has shown.
 * A deviation the series showed in several separate episodes of its window (a quiet service's
 * occasional burst) is its normal behaviour, not news.
 * Warm-up, baseline window and the time after which a new level is normal are durations, held
 * in points at the series' own cadence (the median spacing of its latest points: one irregular
 * pair or an idle hour does not move it), never fewer points than median and spread need: three
 * per-minute readings are three minutes of evidence, not thirty.
 * A level is normal once it has been held for that time, clean points between allowed: at least
 * a third of the points of each third of the span were suspicious (error rates and lumpy traffic
 * come back clean in many buckets while their level has moved; a level reached only lately has
 * not been held). The baseline then restarts from the span's points, so both what the series
 * does now and how often count.
 * Error ratios: a binomial tail test of the bucket's failed calls against the recent error
 * rate, so the bar adapts to traffic: 3 failures of 4 calls on a quiet service count, 3 of
 * 3,000 on a busy one do not. The baseline rate is inflated for over-dispersion (error rates
 * drift from one minute to the next) and never taken below a small floor.
 */
export type SeriesSignal = 'latency' | 'errors' | 'logs' | 'metric';

export type SeriesScorerState = {
  recent: number[];
  /** Calls behind each of `recent` (error ratios and latency). */
  support?: number[];
  /** Requests slower than the suspicious line behind each of `recent` (latency only). */
  slow?: number[];
  /** The latest buckets' [slow requests, requests] (latency only), newest first. */
  slowTail?: [number, number][];
  /** The latest buckets' [requests slower than the whole baseline, requests], newest first. */
  worseTail?: [number, number][];
  /**
   * The slowest request behind each of `seen` (latency only; 0 with no requests counted, null
   * where the state was saved before it was kept).
   */
  seenSlowest?: (number | null)[];
  /** Every point of the window, admitted or not, oldest first. */
  seen?: number[];
  /** Calls behind each of `seen` (error ratios and latency). */
  seenSupport?: number[];
  /** Consecutive suspicious points not yet admitted to the baseline. */
  streak: number;
  /** The latest points since the baseline last restarted: 1 suspicious, 0 clean, oldest first. */
  marks?: number[];
  /** Newest bucket scored (epoch ms): a late row for it is not scored twice. */
  last?: number;
  /** The latest spacings between the series' points (ms), oldest first. */
  gaps?: number[];
  /** States saved before `gaps`: the finest spacing seen (ms). */
  cadence?: number;
  /** The latest points, admitted or not, as [value, calls] (calls: error ratios only). */
  tail?: [number, number][];
};

/** The slowest request the series served in its window, and how many it served (latency). */
export interface RecentCeiling {
  slowest: number;
  requests: number;
}

export interface ScoredPoint {
  score: number;
  baseline: number | undefined;
  /** The window's slowest request before the point, when each point's is known. */
  ceiling?: RecentCeiling;
}

/** The rollups' bucket: the cadence assumed until the series shows its own. */
const bucketMs = 10_000;
/** Ten minutes of baseline (60 ten-second buckets), never fewer than 10 points. */
const windowSpan = { ms: 600_000, minPoints: 10 };
/** Three minutes of history before any point can be anomalous, and at least 5 points. */
const warmupSpan = { ms: 180_000, minPoints: 5 };
/** Robust z at which the score reaches 1 − 1/e. */
export const zScale = 4;
/** Smallest latency spread assumed, relative to the median (about half a histogram bucket). */
const latencyResolution = 0.08;
/**
 * A level held for five minutes (and at least 3 points), this share of each third of them
 * suspicious, is accepted as normal: the baseline restarts from it.
 */
const acceptSpan = { ms: 300_000, minPoints: 3 };
const acceptShare = 1 / 3;
/** Spacings the cadence is the median of. */
const cadenceGaps = 15;

/** Failed calls a bucket needs before its error ratio can be anomalous (one is bad luck). */
const minFailedCalls = 2;
/** Error rates wander between buckets (deploys, load): the test allows this much more. */
const overDispersion = 3;
/** No service is assumed to fail less often than this, however clean its history. */
const minErrorRate = 0.002;
/** −log10 of the tail probability at which an error score reaches 1 − 1/e. */
export const log10PScale = 2.5;
/**
 * Error evidence is also pooled over the latest buckets (a failure or two per bucket on a quiet
 * service adds up), paying for the extra tests (Bonferroni).
 */
const pooledBuckets = 3;
/** The level test's span (a minute) and how much less than √n it trusts the averaging. */
const levelBuckets = 6;
const levelMargin = 1.5;
/** A score from which a point is kept out of the baseline (still no anomaly). */
export const suspiciousScore = 0.5;
/** The robust z of that score: requests slower than this far above the median are slow. */
const suspiciousZ = -zScale * Math.log(1 - suspiciousScore);
/** Slow requests a latency anomaly needs, pooled over the latest buckets (one is bad luck). */
const minSlowRequests = 2;
/** Slow-request rates wander less than error rates (no deploys behind them): a smaller margin. */
const slowOverDispersion = 1.5;
/** No series is assumed to serve slow requests less often than this. */
const minSlowRate = 0.005;
/**
 * The pass's latency points are this quantile of their bucket's requests: at most
 * ⌊(1 − q)·n⌋ of a bucket's n requests were slower than its point.
 */
export const latencyQuantile = 0.95;
/** The latency tests a bucket gets (how many and how much slower), paid for together. */
const latencyTests = 2;

/**
 * A deviation the series reached in this many separate episodes of its window is its normal
 * behaviour (a quiet service's occasional burst or slow request), not news. Episodes, not
 * points: a fault that lasts is one episode, however many buckets it spans.
 */
const recurringEpisodes = 3;
/** An earlier point repeats this one when it deviated at least this share as far. */
const repeatShare = 0.5;

/** Counts a bucket's requests slower than a latency (in the series' units). */
export type SlowerThan = (value: number) => number;

/** What the schedule knows of a point besides its value (the directional scorer's inputs). */
export interface PointContext {
  /** Calls behind the point (error ratios and latency). */
  readonly support?: number;
  /** The point's bucket (epoch ms): the series' cadence, and late rows not scored twice. */
  readonly bucket?: number;
  /**
   * Counts the bucket's requests slower than a latency (latency; without it, latency is judged
   * by z alone).
   */
  readonly slowerThan?: SlowerThan;
  /** The bucket's slowest request (latency), kept for the window's ceiling. */
  readonly slowest?: number;
}

/** The smallest change in each signal's units that can ever matter. */
function changeFloor(signal: SeriesSignal, median: number): number {
  switch (signal) {
    case 'latency':
      return Math.max(2, 0.1 * median); // ms
    case 'errors':
      return 0.02; // error ratio
    case 'logs':
      return Math.max(2, 0.25 * median); // records per bucket
    case 'metric':
      return Math.max(1e-9, 0.05 * Math.abs(median));
  }
}

/** Points of a series with this cadence that cover a span. */
function pointsFor(span: { ms: number; minPoints: number }, cadence: number): number {
  return Math.max(span.minPoints, Math.round(span.ms / cadence));
}

function median(sorted: number[]): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const mid = n >> 1;
  return n % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-13 for x > 0.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = c[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** log10 P(X ≥ k) for X ~ Binomial(n, p), summed in log space (k ≤ n, 0 < p < 1). */
export function binomialTailLog10(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (p >= 1) return 0;
  const lnChoose = (i: number) => logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1);
  const terms: number[] = [];
  for (let i = k; i <= n; i++) {
    const term = lnChoose(i) + i * Math.log(p) + (n - i) * Math.log1p(-p);
    terms.push(term);
    // Terms fall off geometrically past the mode: stop once they no longer matter.
    if (i > n * p && term < terms[0]! - 40) break;
  }
  const max = Math.max(...terms);
  const sum = terms.reduce((s, t) => s + Math.exp(t - max), 0);
  return Math.min(0, (max + Math.log(sum)) / Math.LN10);
}

/**
 * log10 of the chance that the k slowest of n + N requests drawn from one distribution all fall
 * among a given n: C(n, k) / C(n + N, k). A bucket's k requests slower than every one of the
 * baseline's N are that unlikely if the bucket is the baseline's.
 */
export function exceedanceTailLog10(k: number, n: number, N: number): number {
  if (k <= 0) return 0;
  if (k > n) return -Infinity;
  const lnChoose = (m: number, i: number) =>
    logGamma(m + 1) - logGamma(i + 1) - logGamma(m - i + 1);
  return Math.min(0, (lnChoose(n, k) - lnChoose(n + N, k)) / Math.LN10);
}

/**
 * The score of the strongest evidence among the newest bucket pooled with 1, 2, … of the ones
 * before it (`points`: [events, trials], newest first) against an event rate, paying for the
 * extra tests (Bonferroni). `counts` says which pooled counts may be judged at all.
 */
function pooledTailScore(
  points: [number, number][],
  expected: number,
  counts: (events: number, trials: number) => boolean,
  tests = 1,
  looks = pooledBuckets,
): number {
  let log10P = 0;
  let events = 0;
  let trials = 0;
  for (const [k, n] of points) {
    events += k;
    trials += n;
    if (!counts(events, trials)) continue;
    log10P = Math.min(
      log10P,
      binomialTailLog10(events, trials, expected) + Math.log10(looks * tests),
    );
  }
  return Math.max(0, 1 - Math.exp(log10P / log10PScale));
}

export class DirectionalSeriesScorer {
  private recent: number[] = [];
  private support: number[] = [];
  private streak = 0;
  private last: number | undefined;
  private tail: [number, number][] = [];
  private slow: number[] = [];
  private slowTail: [number, number][] = [];
  private worseTail: [number, number][] = [];
  private seen: number[] = [];
  private seenSupport: number[] = [];
  private seenSlowest: (number | null)[] = [];
  private marks: number[] = [];
  private gaps: number[] = [];

  constructor(private readonly signal: SeriesSignal) {}

  /** The newest bucket scored, if any: the pass skips rows at or before it. */
  get lastBucket(): number | undefined {
    return this.last;
  }

  score(value: number, context: PointContext = {}): ScoredPoint {
    const { support, bucket, slowerThan, slowest } = context;
    if (bucket !== undefined) {
      const gap = this.last === undefined ? 0 : bucket - this.last;
      if (gap > 0) this.gaps = [...this.gaps, gap].slice(-cadenceGaps);
      this.last = Math.max(this.last ?? bucket, bucket);
    }
    if (!Number.isFinite(value)) return { score: 0, baseline: undefined };
    if (this.recent.length < this.points(warmupSpan)) {
      this.admit(value, support, slowerThan && this.slowCount(slowerThan));
      this.remember(value, support, slowest);
      return { score: 0, baseline: undefined };
    }
    const ceiling = this.ceiling();
    const slow = slowerThan && this.slowCount(slowerThan);
    const worse = slowerThan && this.worseCount(slowerThan);
    const { far, ...scored } =
      this.signal === 'errors' && support !== undefined
        ? { ...this.errorScore(value, support), far: false }
        : this.robustScore(value, support, slow, worse);
    // Suspicious points stay out of the baseline too: a slow climb (a leak) would otherwise
    // drag the baseline up with it, and the pooled error rate is not robust like a median.
    // So does a point far off the level whose requests are too few to be news yet: admitted,
    // it would make the same fault's next slow requests no longer slower than anything shown.
    const suspicious = scored.score >= suspiciousScore || far;
    this.streak = suspicious ? this.streak + 1 : 0;
    this.marks = [...this.marks, suspicious ? 1 : 0].slice(-this.points(acceptSpan));
    this.remember(value, support, slowest);
    if (!suspicious) this.admit(value, support, slow);
    else if (this.levelHeld()) this.restartBaseline();
    return ceiling ? { ...scored, ceiling } : scored;
  }

  /**
   * The slowest request of every point in the window and the requests behind them, when each
   * is known (a state saved before they were kept has none until its points age out). Every
   * point, not only the baseline's: requests as slow as an earlier episode's, admitted or not,
   * are something the series has shown (issue #20: a value seen in recent history is not new).
   */
  private ceiling(): RecentCeiling | undefined {
    if (this.signal !== 'latency') return undefined;
    const known = this.seen.length;
    if (this.seenSupport.length !== known || this.seenSlowest.length !== known) return undefined;
    let slowest = 0;
    let requests = 0;
    for (let i = 0; i < known; i++) {
      const s = this.seenSlowest[i];
      if (s === null || s === undefined) return undefined;
      slowest = Math.max(slowest, s);
      requests += this.seenSupport[i] ?? 0;
    }
    return requests > 0 ? { slowest, requests } : undefined;
  }

  /** Points of this series that cover a span at its cadence. */
  private points(span: { ms: number; minPoints: number }): number {
    return pointsFor(span, this.cadenceMs());
  }

  /** The median of the latest spacings: robust to one close pair and to idle stretches. */
  private cadenceMs(): number {
    if (this.gaps.length === 0) return bucketMs;
    return median([...this.gaps].sort((a, b) => a - b));
  }

  /** The accepting span is full and each third of it was suspicious often enough. */
  private levelHeld(): boolean {
    const span = this.points(acceptSpan);
    if (this.marks.length < span) return false;
    return [0, 1, 2].every((third) => {
      const part = this.marks.slice(
        Math.floor((third * span) / 3),
        Math.floor(((third + 1) * span) / 3),
      );
      return part.reduce((a, b) => a + b, 0) >= acceptShare * part.length;
    });
  }

  /**
   * A level held for the accepting span is the series' normal now: the baseline is the span's
   * points (the old level's would keep every new point anomalous until they aged out).
   */
  private restartBaseline() {
    const span = Math.min(this.marks.length, this.seen.length);
    this.recent = this.seen.slice(-span);
    this.support =
      this.signal === 'errors' ? this.seenSupport.slice(-span) : this.recent.map(() => 0);
    this.slow = this.recent.map(() => 0);
    this.streak = 0;
    this.marks = [];
  }

  private remember(value: number, support: number | undefined, slowest: number | undefined) {
    this.seen.push(value);
    if (this.signal === 'errors' || this.signal === 'latency') this.seenSupport.push(support ?? 0);
    // A point whose requests were counted but not their slowest leaves the ceiling unknown.
    if (this.signal === 'latency') this.seenSlowest.push(slowest ?? (support ? null : 0));
    const keep = this.points(windowSpan);
    this.seen = this.seen.slice(-keep);
    this.seenSupport = this.seenSupport.slice(-keep);
    this.seenSlowest = this.seenSlowest.slice(-keep);
  }

  /**
   * Separate episodes before the current one (the points of the streak still running) in which
   * the series deviated from `center` at least `repeatShare` as far as `value`, the same way.
   */
  private episodesLike(value: number, center: number): number {
    const direction = Math.sign(value - center);
    const reach = repeatShare * Math.abs(value - center);
    let episodes = 0;
    let inside = false;
    for (const v of this.seen.slice(0, Math.max(0, this.seen.length - this.streak))) {
      const like = (v - center) * direction >= reach;
      if (like && !inside) episodes++;
      inside = like;
    }
    return episodes;
  }

  /** The baseline's median, spread and smallest change that matters. */
  private spread(): { center: number; scale: number; floor: number } {
    const sorted = [...this.recent].sort((a, b) => a - b);
    const center = median(sorted);
    const mad = median(sorted.map((v) => Math.abs(v - center)).sort((a, b) => a - b));
    const floor = changeFloor(this.signal, center);
    return { center, floor, scale: Math.max(1.4826 * mad, floor / 3, this.resolution(center)) };
  }

  /** The bucket's requests above the suspicious line (none before the baseline has a median). */
  private slowCount(slowerThan: SlowerThan): number {
    if (this.recent.length === 0) return 0;
    const { center, floor, scale } = this.spread();
    return slowerThan(center + Math.max(floor, suspiciousZ * scale));
  }

  /** The bucket's requests slower than every point of the baseline window and the suspicious line. */
  private worseCount(slowerThan: SlowerThan): number {
    if (this.recent.length === 0) return 0;
    const { center, floor, scale } = this.spread();
    return slowerThan(Math.max(center + Math.max(floor, suspiciousZ * scale), ...this.recent));
  }

  /** `far`: the point is far off the level by z alone (not a recurring deviation). */
  private robustScore(
    value: number,
    calls?: number,
    slow?: number,
    worse?: number,
  ): ScoredPoint & { far: boolean } {
    const { center, floor, scale } = this.spread();
    const z = (v: number) => {
      const deviation = this.signal === 'metric' ? Math.abs(v - center) : v - center;
      // A change below the floor is never anomalous, however quiet the series was before.
      return deviation < floor ? 0 : deviation / scale;
    };
    const recent = [value, ...this.tail.map(([v]) => v)];
    this.tail = recent.slice(0, levelBuckets - 1).map((v) => [v, 0]);
    // A level held for a minute: its mean is √n times steadier than one point (a slow climb,
    // a leak, never jumps far in one bucket), with a margin for buckets that move together.
    // Only while the newest point is still there: a level left behind by a fault that ended
    // is not news.
    const levelZ =
      recent.length < levelBuckets ? 0 : z(recent.reduce((a, b) => a + b, 0) / levelBuckets);
    const level = z(value) >= levelZ ? (levelZ * Math.sqrt(levelBuckets)) / levelMargin : 0;
    const strength = 1 - Math.exp(-Math.max(z(value), level) / zScale);
    const recurring =
      strength >= suspiciousScore && this.episodesLike(value, center) >= recurringEpisodes;
    const score = recurring ? 0 : strength;
    const far = score >= suspiciousScore;
    if (calls === undefined || slow === undefined) return { score, baseline: center, far };
    const evidence = Math.max(
      this.slowRequestScore(slow, calls),
      this.worseRequestScore(worse ?? 0, calls),
    );
    return { score: Math.min(score, evidence), baseline: center, far };
  }

  /**
   * How unlikely this many slow requests are (pooled with the latest buckets) at the rate the
   * series' recent requests were slow: the weight of a latency point's evidence.
   */
  private slowRequestScore(slow: number, calls: number): number {
    let slowSeen = 0;
    let total = 0;
    for (let i = 0; i < this.recent.length; i++) {
      slowSeen += this.slow[i] ?? 0;
      total += this.support[i] ?? 0;
    }
    const rate = total > 0 ? slowSeen / total : 0;
    const points: [number, number][] = [[slow, calls], ...this.slowTail];
    this.slowTail = points.slice(0, pooledBuckets - 1);
    if (slow === 0) return 0;
    const expected = Math.min(0.5, Math.max(minSlowRate, slowOverDispersion * rate));
    return pooledTailScore(points, expected, (k) => k >= minSlowRequests, latencyTests);
  }

  /**
   * How unlikely this many requests slower than the whole baseline window are (pooled with the
   * latest minute's buckets): the weight of how much slower they are. Of the window's N requests
   * at most ⌊(1 − q)·n⌋ per bucket were slower than its point, so at most that many beyond the
   * line, and with none beyond it a new request passes all N with chance 1/(N + 1).
   */
  private worseRequestScore(worse: number, calls: number): number {
    let beyond = 0;
    let total = 0;
    for (const n of this.support) {
      beyond += Math.floor((1 - latencyQuantile) * n);
      total += n;
    }
    const rate = (beyond + 1) / (total + 1);
    const points: [number, number][] = [[worse, calls], ...this.worseTail];
    // Pooled over the level's minute: a quiet edge's one call a bucket, each slower than anything
    // shown, adds up to news the way a held level does (more looks, paid for).
    this.worseTail = points.slice(0, levelBuckets - 1);
    if (worse === 0) return 0;
    const expected = Math.min(0.5, Math.max(minSlowRate, slowOverDispersion * rate));
    return pooledTailScore(
      points,
      expected,
      (k) => k >= minSlowRequests,
      latencyTests,
      levelBuckets,
    );
  }

  /**
   * Latency quantiles come from histograms with ~19%-wide buckets: a p95 that sat in one bucket
   * for minutes has no spread, and moving up one or two buckets is quantization, not news.
   */
  private resolution(center: number): number {
    return this.signal === 'latency' ? latencyResolution * center : 0;
  }

  private errorScore(ratio: number, calls: number): ScoredPoint {
    let failed = 0;
    let total = 0;
    for (let i = 0; i < this.recent.length; i++) {
      const n = this.support[i] ?? 0;
      failed += this.recent[i]! * n;
      total += n;
    }
    const rate = total > 0 ? failed / total : 0;
    const expected = Math.min(0.5, Math.max(minErrorRate, overDispersion * rate));
    const points: [number, number][] = [
      [Math.round(ratio * calls), Math.round(calls)],
      ...this.tail.map(([r, c]): [number, number] => [Math.round(r * c), Math.round(c)]),
    ];
    this.tail = [[ratio, calls] as [number, number], ...this.tail].slice(0, pooledBuckets - 1);
    // Only a bucket with failures of its own can be anomalous: pooling finds them sooner,
    // it does not extend an alarm into the healthy buckets after it.
    if (points[0]![0] === 0) return { score: 0, baseline: rate };
    const score = pooledTailScore(
      points,
      expected,
      (failures, n) =>
        failures >= minFailedCalls && failures / n - rate >= changeFloor('errors', rate),
    );
    return { score, baseline: rate };
  }

  private admit(value: number, support: number | undefined, slow: number | undefined) {
    this.recent.push(value);
    this.support.push(support ?? 0);
    this.slow.push(slow ?? 0);
    while (this.recent.length > this.points(windowSpan)) {
      this.recent.shift();
      this.support.shift();
      this.slow.shift();
    }
  }

  exportState(): SeriesScorerState {
    return {
      recent: [...this.recent],
      ...(this.signal === 'errors' && { support: [...this.support] }),
      ...(this.signal === 'latency' && {
        support: [...this.support],
        slow: [...this.slow],
        slowTail: this.slowTail.map(([k, n]) => [k, n] as [number, number]),
        worseTail: this.worseTail.map(([k, n]) => [k, n] as [number, number]),
        seenSlowest: [...this.seenSlowest],
      }),
      streak: this.streak,
      ...(this.marks.length > 0 && { marks: [...this.marks] }),
      ...(this.seen.length > 0 && { seen: [...this.seen] }),
      ...(this.seenSupport.length > 0 && { seenSupport: [...this.seenSupport] }),
      ...(this.last !== undefined && { last: this.last }),
      ...(this.gaps.length > 0 && { gaps: [...this.gaps] }),
      ...(this.tail.length > 0 && { tail: this.tail.map(([r, c]) => [r, c] as [number, number]) }),
    };
  }

  importState(state: SeriesScorerState) {
    this.recent = [...state.recent];
    // States saved before support was kept: weigh each old ratio as one typical bucket.
    this.support = state.support ? [...state.support] : state.recent.map(() => 1);
    // Latency states saved before slow requests were counted: no slow request seen yet.
    this.slow = state.slow ? [...state.slow] : state.recent.map(() => 0);
    this.slowTail = state.slowTail
      ? state.slowTail.map(([k, n]) => [k, n] as [number, number])
      : [];
    this.worseTail = state.worseTail
      ? state.worseTail.map(([k, n]) => [k, n] as [number, number])
      : [];
    this.streak = state.streak;
    // States saved before marks: the streak is what is known of the latest points.
    this.marks = state.marks ? [...state.marks] : Array<number>(state.streak).fill(1);
    // States saved before every point was remembered: the admitted ones are what is known.
    this.seen = state.seen ? [...state.seen] : [...state.recent];
    this.seenSupport = state.seenSupport
      ? [...state.seenSupport]
      : this.signal === 'errors'
        ? [...this.support].slice(-this.seen.length)
        : [];
    // Latency states saved before the slowest requests were kept: unknown, so no ceiling.
    this.seenSlowest =
      this.signal === 'latency'
        ? (state.seenSlowest ?? this.seen.map(() => null)).slice(-this.seen.length)
        : [];
    this.last = state.last;
    // States saved before gaps: their finest spacing stands for the series' cadence.
    this.gaps = state.gaps ? [...state.gaps] : state.cadence ? [state.cadence] : [];
    this.tail = state.tail ? state.tail.map(([r, c]) => [r, c] as [number, number]) : [];
  }
}
