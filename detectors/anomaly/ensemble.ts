/**
 * The ensemble: each member scores the point, members with a raw (uncalibrated) score pass it
 * through their own anomaly likelihood so every member speaks in the same "how rare is this
 * for this series" units, the largest calibrated score wins (corrected for the number of
 * likelihoods that looked, so a threshold keeps its false-alarm rate however many members run),
 * and the alert damper turns excursions into single alerts.
 */
import { AlertDamper, type AlertDamperConfig, type AlertDamperState } from './alert-damper';
import { rarestOf } from './calibration';
import { ForecastResidualDetector, type ForecastResidualConfig } from './forecast-residual';
import { AnomalyLikelihood, type LikelihoodConfig, type LikelihoodState } from './likelihood';
import { RangeBreakoutDetector, type RangeBreakoutConfig } from './range-breakout';
import { RobustBaselineDetector, type RobustBaselineConfig } from './robust-baseline';
import { ownSeason, SeasonTracker, type SeasonTrackerState } from './season-tracker';
import type { Json, StreamingDetector } from './types';
import { WindowIsolationDetector, type WindowIsolationConfig } from './window-isolation';

export const MEMBER_NAMES = ['breakout', 'forecast', 'baseline', 'isolation'] as const;
export type MemberName = (typeof MEMBER_NAMES)[number];

export interface EnsembleConfig {
  readonly breakout: RangeBreakoutConfig;
  readonly forecast: ForecastResidualConfig;
  readonly baseline: RobustBaselineConfig;
  readonly isolation: WindowIsolationConfig;
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
};

interface Member {
  readonly name: MemberName;
  readonly detector: StreamingDetector<number, Json>;
  /** Null for members whose score is already calibrated (the range breakout). */
  readonly likelihood: AnomalyLikelihood | null;
}

/**
 * One season tracker for the seasonal members when they search the same way: one history to
 * store per series and one period search per re-estimate, not two.
 */
function sharedSeason(config: EnsembleConfig): SeasonTracker | undefined {
  const seasonal = config.members.includes('forecast') || config.members.includes('baseline');
  const same = JSON.stringify(config.forecast.season) === JSON.stringify(config.baseline.season);
  return seasonal && same ? new SeasonTracker(config.forecast.season) : undefined;
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
    case 'isolation':
      return calibrated(new WindowIsolationDetector(config.isolation));
  }
}

export class EnsembleDetector implements StreamingDetector<number, EnsembleState> {
  private readonly members: readonly Member[];
  private readonly damper: AlertDamper;
  private readonly season: SeasonTracker | undefined;
  /** Members read through a likelihood: the looks the rarest likelihood is corrected for. */
  private readonly likelihoods: number;

  constructor(readonly config: EnsembleConfig) {
    this.season = sharedSeason(config);
    this.members = config.members.map((name) => buildMember(name, config, this.season));
    this.damper = new AlertDamper(config.damper);
    this.likelihoods = this.members.filter((m) => m.likelihood !== null).length;
  }

  /** Every member's likelihood has learned the series (before that it reads neutral). */
  get learned(): boolean {
    return this.members.every((m) => m.likelihood === null || m.likelihood.learned);
  }

  score(x: number): number {
    return this.judge(x).alert;
  }

  /**
   * The point's rarity (the rarest calibrated member reading) and the alert the damper lets
   * through. `score` is the alert; a caller with its own alert policy (the detection schedule
   * opens one incident per fault however many points flag it) reads the rarity.
   */
  judge(x: number): { rarity: number; alert: number } {
    let stated = 0;
    let rarest = 0;
    for (const m of this.members) {
      const raw = m.detector.score(x);
      if (m.likelihood === null) stated = Math.max(stated, raw);
      else rarest = Math.max(rarest, m.likelihood.score(raw));
    }
    this.season?.push(x);
    const rarity = Math.max(stated, rarestOf(rarest, this.likelihoods));
    return { rarity, alert: this.damper.score(rarity) };
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
    };
  }

  importState(state: EnsembleState): void {
    for (const m of this.members) {
      const s = state.members[m.name];
      if (s === undefined) throw new Error(`ensemble state has no member "${m.name}"`);
      m.detector.importState(s.detector);
      if (m.likelihood !== null && s.likelihood !== null) m.likelihood.importState(s.likelihood);
    }
    this.damper.importState(state.damper);
    this.season?.importState(ownSeason(state.season));
  }
}
