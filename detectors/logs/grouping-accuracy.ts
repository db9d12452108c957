/** How well a template miner grouped lines, against ground-truth event ids. */
export interface GroupingScore {
  /** Grouping accuracy: share of lines whose predicted group equals their true group. */
  ga: number;
  /** F1 over groups: a predicted group is correct when it equals a true group exactly. */
  fga: number;
  precision: number;
  recall: number;
  predictedGroups: number;
  trueGroups: number;
}

function sizes(labels: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return counts;
}

/** `predicted[i]` and `truth[i]` are the group labels of line i. */
export function groupingAccuracy(
  predicted: readonly string[],
  truth: readonly string[],
): GroupingScore {
  if (predicted.length !== truth.length) {
    throw new Error(`${predicted.length} predicted labels for ${truth.length} lines`);
  }
  const trueSizes = sizes(truth);
  const predictedSizes = sizes(predicted);
  // A predicted group is exact when all its lines share one true label and that true
  // group has no other lines.
  const soleTruth = new Map<string, string | null>();
  predicted.forEach((label, i) => {
    const t = truth[i] as string;
    const seen = soleTruth.get(label);
    if (seen === undefined) soleTruth.set(label, t);
    else if (seen !== t) soleTruth.set(label, null);
  });
  let correctGroups = 0;
  let correctLines = 0;
  for (const [label, size] of predictedSizes) {
    const t = soleTruth.get(label);
    if (t != null && trueSizes.get(t) === size) {
      correctGroups++;
      correctLines += size;
    }
  }
  const precision = predictedSizes.size ? correctGroups / predictedSizes.size : 0;
  const recall = trueSizes.size ? correctGroups / trueSizes.size : 0;
  return {
    ga: truth.length ? correctLines / truth.length : 0,
    fga: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    precision,
    recall,
    predictedGroups: predictedSizes.size,
    trueGroups: trueSizes.size,
  };
}
