/**
 * The settings the leave-one-category-out score chooses among: the shipped configuration and
 * neighbours of it in the parameters that were tuned on NAB (how long an alert silences its
 * series, how long the likelihoods learn, which score is strong enough to start a rest and mark
 * an excursion, how closely an excursion must keep a schedule to be routine, every choice of the
 * spread shift, which members take part). Every fold picks one of these, and its threshold, on
 * the categories it does not score, so tuning them is paid for in the headline number.
 */
import { MEMBER_NAMES, type EnsembleConfig } from '../../detectors/anomaly/ensemble';

export interface Setting {
  readonly name: string;
  readonly config: EnsembleConfig;
}

const REST_POINTS = [100, 150, 250] as const;
const LEARNING_POINTS = [150, 300] as const;
/**
 * The rest level and the schedule tolerance, chosen together: the schedule reads only scores at
 * or above the rest level, so its gain depends on where that level lies against the threshold.
 */
const REST_LEVELS = [0.65, 0.7, 0.75] as const;
/** A negative tolerance keeps no excursion routine. */
const SCHEDULE_TOLERANCES = [0.02, 0.03, 0.05, -1] as const;

/**
 * The spread shift's choices, each made on the whole corpus, with neighbours on both sides: the
 * share of its steps counted as independent draws (0.5 counts only steps that share no point),
 * the steps in each of its two runs, the share of the reference steps in each tail of its band,
 * and the reference steps that set the band.
 */
const SPREAD_CHOICES = {
  independentShare: [0.5, 0.6, 0.7],
  recent: [20, 30, 40],
  share: [0.025, 0.05, 0.1],
  reference: [500, 1000, 2000],
} as const;

const SPREAD_CHOICE_NAMES: Record<keyof typeof SPREAD_CHOICES, string> = {
  independentShare: 'steps counted ×',
  recent: 'runs of',
  share: 'tail share',
  reference: 'reference steps',
};

export function settingGrid(shipped: EnsembleConfig): Setting[] {
  const grid: Setting[] = [{ name: 'shipped', config: shipped }];
  for (const restPoints of REST_POINTS) {
    for (const learning of LEARNING_POINTS) {
      const config: EnsembleConfig = {
        ...shipped,
        damper: { ...shipped.damper, restPoints },
        likelihood: {
          ...shipped.likelihood,
          learningPeriod: learning,
          estimationSamples: learning,
        },
      };
      const same =
        restPoints === shipped.damper.restPoints &&
        learning === shipped.likelihood.learningPeriod &&
        learning === shipped.likelihood.estimationSamples;
      if (!same) grid.push({ name: `rest ${restPoints}, learn ${learning}+${learning}`, config });
    }
  }
  for (const restLevel of REST_LEVELS) {
    for (const scheduleTolerance of SCHEDULE_TOLERANCES) {
      const same =
        restLevel === shipped.damper.restLevel &&
        scheduleTolerance === shipped.damper.scheduleTolerance;
      if (same) continue;
      const schedule =
        scheduleTolerance < 0 ? 'no schedule' : `schedule ±${scheduleTolerance * 100}%`;
      grid.push({
        name: `rest level ${restLevel}, ${schedule}`,
        config: { ...shipped, damper: { ...shipped.damper, restLevel, scheduleTolerance } },
      });
    }
  }
  if (shipped.members.includes('spread')) {
    for (const [choice, values] of Object.entries(SPREAD_CHOICES)) {
      for (const value of values) {
        if (value === shipped.spread[choice as keyof typeof SPREAD_CHOICES]) continue;
        grid.push({
          name: `spread, ${SPREAD_CHOICE_NAMES[choice as keyof typeof SPREAD_CHOICES]} ${value}`,
          config: { ...shipped, spread: { ...shipped.spread, [choice]: value } },
        });
      }
    }
  }
  for (const member of MEMBER_NAMES.filter((m) => !shipped.members.includes(m))) {
    grid.push({
      name: `+ ${member}`,
      config: { ...shipped, members: [...shipped.members, member] },
    });
  }
  return grid;
}
