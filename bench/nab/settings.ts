/**
 * The settings the leave-one-category-out score chooses among: the shipped configuration and
 * neighbours of it in the parameters that were tuned on NAB (how long an alert silences its
 * series, how long the likelihoods learn, how closely an excursion must keep a schedule to be
 * routine, which members take part). Every fold picks one of these, and its threshold, on
 * the categories it does not score, so tuning them is paid for in the headline number.
 */
import { MEMBER_NAMES, type EnsembleConfig } from '../../detectors/anomaly/ensemble';

export interface Setting {
  readonly name: string;
  readonly config: EnsembleConfig;
}

const REST_POINTS = [100, 150, 250] as const;
const LEARNING_POINTS = [150, 300] as const;
/** Neighbours of the shipped schedule tolerance; a negative one keeps no excursion routine. */
const SCHEDULE_TOLERANCES = [0.02, 0.05, -1] as const;

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
  for (const scheduleTolerance of SCHEDULE_TOLERANCES) {
    grid.push({
      name: scheduleTolerance < 0 ? 'no schedule' : `schedule ±${scheduleTolerance * 100}%`,
      config: { ...shipped, damper: { ...shipped.damper, scheduleTolerance } },
    });
  }
  for (const member of MEMBER_NAMES.filter((m) => !shipped.members.includes(m))) {
    grid.push({
      name: `+ ${member}`,
      config: { ...shipped, members: [...shipped.members, member] },
    });
  }
  return grid;
}
