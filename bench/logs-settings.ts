import { defaultMinerOptions, type MinerOptions } from '../detectors/logs/options';

/**
 * The values bench:logs may choose for each miner setting. Each list is in order of preference,
 * set from the causes of misses on data kept back (issue #14), not from scores here: where the
 * systems a choice is made on cannot tell two values apart, the earlier one wins. Only what
 * the data could decide is listed (`sourceSlots` describes the input, so it is not chosen).
 */
const choices: { [K in Exclude<keyof MinerOptions, 'sourceSlots'>]: readonly MinerOptions[K][] } = {
  variantsForVariable: [5, 4, 6],
  maxLinesOfVariant: [Infinity, 2],
  qualifiedFirstSlot: [true, false],
  firstSlotWords: [3, Infinity, 2],
  valueAfterEquals: [true, false],
  literalValues: [true, false],
  optionalValueGroups: [true, false],
  emptyBracketValue: [true, false],
  hostPort: [true, false],
};

/** The settings that differ from the engine's defaults, for the report. */
export function describeOptions(options: MinerOptions): string {
  const changed = settingKeys
    .filter((key) => options[key] !== defaultMinerOptions[key])
    .map((key) => `${key}=${String(options[key])}`);
  return changed.length ? changed.join(', ') : 'the defaults';
}

const settingKeys = Object.keys(choices) as (keyof typeof choices)[];

/** Every setting at its most preferred value. */
export function preferredOptions(): MinerOptions {
  const options: MinerOptions = { ...defaultMinerOptions };
  for (const key of settingKeys) Object.assign(options, { [key]: choices[key][0] });
  return options;
}

/** Identity of a configuration, for caching its scores. */
function keyOf(options: MinerOptions): string {
  return settingKeys.map((key) => String(options[key])).join('/');
}

/**
 * Chooses settings by coordinate search: from the preferred values, each setting in turn takes
 * the value with the best mean score over `systems` (ties: the value listed first), until a
 * whole pass changes nothing. `score(options)` gives one score per system and is called once
 * per configuration (results are cached in `cache`, shared between calls).
 */
export function chooseOptions(
  systems: readonly number[],
  score: (options: MinerOptions) => readonly number[],
  cache: Map<string, readonly number[]> = new Map(),
): MinerOptions {
  const meanOf = (options: MinerOptions) => {
    const key = keyOf(options);
    let scores = cache.get(key);
    if (!scores) {
      scores = score(options);
      cache.set(key, scores);
    }
    return systems.reduce((sum, s) => sum + (scores[s] as number), 0) / systems.length;
  };
  let current = preferredOptions();
  // Each pass can only raise the mean, so the search ends; the bound is a safeguard.
  for (let pass = 0; pass < 10; pass++) {
    let changed = false;
    for (const key of settingKeys) {
      let best = current;
      let bestMean = -Infinity;
      for (const value of choices[key] as readonly unknown[]) {
        const candidate = { ...current, [key]: value } as MinerOptions;
        const mean = meanOf(candidate);
        // Differences below floating-point noise are ties.
        if (mean > bestMean + 1e-12) {
          best = candidate;
          bestMean = mean;
        }
      }
      if (best[key] !== current[key]) changed = true;
      current = best;
    }
    if (!changed) break;
  }
  return current;
}

/**
 * Leave one system out: for each of `systemCount` systems, the settings chosen on all the
 * others (never on it); its score with them is the system's leave-one-out score.
 */
export function leaveOneOutOptions(
  systemCount: number,
  score: (options: MinerOptions) => readonly number[],
): MinerOptions[] {
  const cache = new Map<string, readonly number[]>();
  const all = Array.from({ length: systemCount }, (_, s) => s);
  return all.map((left) =>
    chooseOptions(
      all.filter((s) => s !== left),
      score,
      cache,
    ),
  );
}
