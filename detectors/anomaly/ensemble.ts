/**
 * The ensemble: each member scores the point, members with a raw (uncalibrated) score pass it
 * through their own anomaly likelihood so every member speaks in the same "how rare is this
 * for this series" units, the largest calibrated score wins (corrected for the number of
 * tail probabilities that looked, so a threshold keeps its false-alarm rate however many members
 * run), and the alert damper turns excursions into single alerts. The range breakout and the
 * spread shift state their own tail probability instead (a fixed one at the edge of the range, a
 * binomial test on the steps) and join by the maximum, uncorrected.
 *
 * The `evidence` member is the detection schedule's directional scorer (../series-scorer.ts): a
 * tail probability of its own from the first minutes of a series, and on latency, error ratios
 * and log counts the evidence the other members cannot see (the calls and slow requests behind a
 * point). Its reading joins the others by the same union; on those series the other members
 * count only in the direction that hurts and only where the counts make the point suspicious.
 * On a metric it stands in while the other members are young, each joining it once grown, and
 * is not run after.
 */
import { AlertDamper, type AlertDamperConfig, type AlertDamperState } from './alert-damper';
import { rarestOf } from './calibration';
import { ForecastResidualDetector, type ForecastResidualConfig } from './forecast-residual';
import type {
  PointContext,
  RecentCeiling,
  SeriesScorerState,
  SeriesSignal,
} from '../series-scorer';
import { CalibratedSeriesScorer } from './calibrated-series';
import { AnomalyLikelihood, type LikelihoodConfig, type LikelihoodState } from './likelihood';
import { LevelShiftDetector, type LevelShiftConfig } from './level-shift';
import { RangeBreakoutDetector, type RangeBreakoutConfig } from './range-breakout';
import { RobustBaselineDetector, type RobustBaselineConfig } from './robust-baseline';
import {
  ownSeason,
  SeasonTracker,
  type SeasonTrackerConfig,
  type SeasonTrackerState,
} from './season-tracker';
import { SpreadShiftDetector, type SpreadShiftConfig } from './spread-shift';
import type { Json, StreamingDetector } from './types';
import { WindowIsolationDetector, type WindowIsolationConfig } from './window-isolation';

export const MEMBER_NAMES = [
  'breakout',
  'forecast',
  'baseline',
  'shift',
  'isolation',
  'spread',
  'evidence',
] as const;
export type MemberName = (typeof MEMBER_NAMES)[number];

export interface EnsembleConfig {
  readonly breakout: RangeBreakoutConfig;
  readonly forecast: ForecastResidualConfig;
  readonly baseline: RobustBaselineConfig;
  readonly shift: LevelShiftConfig;
  readonly isolation: WindowIsolationConfig;
  readonly spread: SpreadShiftConfig;
  readonly likelihood: LikelihoodConfig;
  readonly damper: AlertDamperConfig;
  /** Members that take part; the rest are not even run. */
  readonly members: readonly MemberName[];
}

type MemberState = { detector: Json; likelihood: LikelihoodState | null };
export type EnsembleState = {
  members: { [name: string]: MemberState };
  damper: AlertDamperState;
  /** The season tracker the seasonal members share, when they share one. */
  season?: SeasonTrackerState;
  /** The evidence member's state (its bucket watermark, baseline and counts). */
  evidence?: SeriesScorerState;
  /** Newest bucket scored (epoch ms). */
  last?: number;
};

export interface Judgement {
  /** The point's rarity on the engine's score scale, before the alert damper. */
  readonly rarity: number;
  /** What the damper lets through. */
  readonly alert: number;
  /** The evidence member's baseline (its median or error rate), when it has one. */
  readonly baseline: number | undefined;
  /** The evidence member's window ceiling (latency), when it knows one. */
  readonly ceiling?: RecentCeiling;
}

interface Member {
  readonly name: MemberName;
  readonly detector: StreamingDetector<number, Json>;
  /** Null for members whose score is already calibrated (the range breakout, the spread shift). */
  readonly likelihood: AnomalyLikelihood | null;
}

/**
 * One season tracker for the seasonal members when they search the same way: one history to
 * store per series and one period search per re-estimate, not two.
 */
function sharedSeason(config: EnsembleConfig): SeasonTrackerConfig | undefined {
  const seasons = (['forecast', 'baseline', 'shift', 'spread'] as const)
    .filter((name) => config.members.includes(name))
    .map((name) => config[name].season);
  const first = seasons[0];
  if (first === undefined) return undefined;
  const same = seasons.every((s) => JSON.stringify(s) === JSON.stringify(first));
  return same ? first : undefined;
}

function buildMember(name: MemberName, config: EnsembleConfig, season?: SeasonTracker): Member {
  const calibrated = (detector: StreamingDetector<number, Json>): Member => ({
    name,
    detector,
    likelihood: new AnomalyLikelihood(config.likelihood),
  });
  switch (name) {
    case 'breakout':
      return { name, detector: new RangeBreakoutDetector(config.breakout), likelihood: null };
    case 'forecast':
      return calibrated(new ForecastResidualDetector(config.forecast, season));
    case 'baseline':
      return calibrated(new RobustBaselineDetector(config.baseline, season));
    case 'shift':
      return calibrated(new LevelShiftDetector(config.shift, season));
    case 'isolation':
      return calibrated(new WindowIsolationDetector(config.isolation));
    case 'spread':
      // Its reading is a tail probability already (a binomial test on the steps).
      return { name, detector: new SpreadShiftDetector(config.spread, season), likelihood: null };
    case 'evidence':
      throw new Error('the evidence member is built with the series signal, not as a member');
  }
}

export class EnsembleDetector implements StreamingDetector<number, EnsembleState> {
  private readonly members: readonly Member[];
  private readonly evidence: CalibratedSeriesScorer | undefined;
  private readonly damper: AlertDamper;
  private readonly season: SeasonTracker | undefined;
  private last: number | undefined;
  /** The last point's counted reading per member, the evidence last (see `readings`). */
  private readonly lastReadings: Float64Array;

  /** `signal`: what the series measures (NAB's and the CLI's series are metrics). */
  constructor(
    readonly config: EnsembleConfig,
    private readonly signal: SeriesSignal = 'metric',
  ) {
    const season = sharedSeason(config);
    this.season = season && new SeasonTracker(season);
    this.members = config.members
      .filter((name) => name !== 'evidence')
      .map((name) => buildMember(name, config, this.season));
    this.evidence = config.members.includes('evidence')
      ? new CalibratedSeriesScorer(signal)
      : undefined;
    this.damper = new AlertDamper(config.damper);
    this.lastReadings = new Float64Array(this.members.length + 1);
  }

  /**
   * What each member read at the last point judged, on the score scale, as it counted towards
   * the rarity (0 where it did not speak; the evidence under its own name): which member raised
   * an alert, for the benchmark's reports.
   */
  readings(): Partial<Record<MemberName, number>> {
    const out: Partial<Record<MemberName, number>> = {};
    this.members.forEach((m, i) => (out[m.name] = this.lastReadings[i]));
    if (this.evidence) out.evidence = this.lastReadings[this.members.length];
    return out;
  }

  /** Every member's likelihood has learned the series (before that it reads neutral). */
  get learned(): boolean {
    return this.members.every((m) => m.likelihood === null || m.likelihood.learned);
  }

  /**
   * The members are young until their likelihoods have learned (the level shift's only starts
   * when the season is searched) and the shared season search has the history it needs: before
   * that no member knows the series' cycle, its range is the range of less than a cycle (new
   * extremes are ordinary), and the likelihoods' fit is a few hundred readings of members still
   * settling.
   */
  private get young(): boolean {
    return !this.learned || (this.season !== undefined && !this.season.grown);
  }

  /**
   * The evidence speaks where counts stand behind a point (latency, error ratios, log counts).
   * A metric has none: its evidence is a robust z read under an assumed Laplace law, which
   * cycles and trends break (on NAB, LOO 68.86 → 42.93 when it always spoke), and the baseline
   * member reads the same deviation seasonally, on the series' own distribution. But while the
   * members are young not all of them are calibrated, and the evidence is, on its own baseline,
   * after minutes: on a metric it stands in for them until they are grown (the schedule then
   * flags a metric in its first hour), each member speaking beside it once it is grown itself
   * (`grown`). It knows no cycle, so once the season search has found one it stops: it would
   * read the cycle's swing as anomalies (NAB's daily square waves at their first rise after the
   * search), and the members that stand behind a reading then know the cycle.
   */
  private get evidenceStandsIn(): boolean {
    const cycleFound = this.season?.searched === true && this.season.period !== null;
    return this.signal === 'metric' && this.evidence !== undefined && this.young && !cycleFound;
  }

  /**
   * A member is grown when it knows whether the series has a cycle (the shared season has been
   * searched for: before that a cycle's swing reads as anomalies to every member, and the range
   * of less than a cycle is no range) and its own likelihood has learned. Waiting for the last
   * member to grow silenced the others for hundreds of points (on NAB a window was missed there);
   * letting them speak once their likelihoods had learned, before the search, cost the detection
   * replay a fault and two blames (docs/benchmarks.md, NAB round 10).
   */
  private grown(m: Member): boolean {
    if (this.season !== undefined && !this.season.searched) return false;
    return m.likelihood?.learned ?? true;
  }

  /** The evidence member is run (and stored): always where counts stand behind a point. */
  private get evidenceSpeaks(): boolean {
    return this.signal !== 'metric' || this.evidenceStandsIn;
  }

  /** The newest bucket scored, if any: the pass skips rows at or before it. */
  get lastBucket(): number | undefined {
    return this.last;
  }

  score(x: number): number {
    return this.judge(x).alert;
  }

  /**
   * The point's rarity (the rarest calibrated member reading) and the alert the damper lets
   * through. `score` is the alert; a caller with its own alert policy (the detection schedule
   * opens one incident per fault however many points flag it) reads the rarity.
   */
  judge(x: number, context: PointContext = {}): Judgement {
    const evidence = this.evidenceSpeaks ? this.evidence?.score(x, context) : undefined;
    const baseline = evidence?.baseline;
    const ceiling = evidence?.ceiling;
    if (context.bucket !== undefined)
      this.last = Math.max(this.last ?? context.bucket, context.bucket);
    this.lastReadings.fill(0);
    if (!Number.isFinite(x)) return { rarity: 0, alert: 0, baseline, ...(ceiling && { ceiling }) };
    let stated = 0;
    let rarest = evidence?.score ?? 0;
    this.lastReadings[this.members.length] = rarest;
    // A likelihood still learning reads neutral: it is no look at the tail, so no correction.
    let looks = evidence ? 1 : 0;
    // On a metric the others read the point either way. Where counts stand behind it (latency,
    // error ratios, log counts) they count only the way that hurts and only where the counts
    // already make the point suspicious: one failure in 52 calls on a clean series, or a log
    // template seen 4 times instead of 1, is new to the range breakout and to a likelihood fit
    // to mostly-zero readings, and bad luck to the counts (a union of both opened 16 false
    // incidents in the detection replay's fault-free hour, docs/benchmarks.md, NAB round 5).
    const hurts =
      this.signal === 'metric' ||
      (this.evidence?.suspicious === true && baseline !== undefined && x > baseline);
    const standIn = this.evidenceStandsIn;
    for (let i = 0; i < this.members.length; i++) {
      const m = this.members[i] as Member;
      const speaks = !standIn || this.grown(m);
      const looking = (m.likelihood?.learned ?? false) && speaks;
      const raw = m.detector.score(x);
      const reading = m.likelihood === null ? raw : m.likelihood.score(raw);
      if (looking) looks++;
      if (!hurts || !speaks) continue;
      this.lastReadings[i] = reading;
      if (m.likelihood === null) stated = Math.max(stated, reading);
      else rarest = Math.max(rarest, reading);
    }
    this.season?.push(x);
    const rarity = Math.max(stated, rarestOf(rarest, looks));
    return { rarity, alert: this.damper.score(rarity), baseline, ...(ceiling && { ceiling }) };
  }

  exportState(): EnsembleState {
    const members: { [name: string]: MemberState } = {};
    for (const m of this.members) {
      members[m.name] = {
        detector: m.detector.exportState(),
        likelihood: m.likelihood?.exportState() ?? null,
      };
    }
    return {
      members,
      damper: this.damper.exportState(),
      ...(this.season && { season: this.season.exportState() }),
      ...(this.evidence && this.evidenceSpeaks && { evidence: this.evidence.exportState() }),
      ...(this.last !== undefined && { last: this.last }),
    };
  }

  /**
   * A member added since the state was stored starts fresh (its likelihood learns again, so it
   * stays quiet until then): an upgrade that ships a member must not stop a series' scoring.
   */
  importState(state: EnsembleState): void {
    for (const m of this.members) {
      const s = state.members[m.name];
      if (s === undefined) continue;
      m.detector.importState(s.detector);
      if (m.likelihood !== null && s.likelihood !== null) m.likelihood.importState(s.likelihood);
    }
    this.damper.importState(state.damper);
    this.season?.importState(ownSeason(state.season));
    if (this.evidence && state.evidence) this.evidence.importState(state.evidence);
    this.last = state.last;
  }

  /** A directional scorer's state stored before the ensemble ran: its evidence, the rest fresh. */
  importEvidence(state: SeriesScorerState): void {
    this.evidence?.importState(state);
    this.last = state.last;
  }
}
