/**
 * Port of NAB v1.1 `nab/sweeper.py`: turns one data file's anomaly scores into per-row sweep
 * scores (scaled-sigmoid rewards inside label windows, weighted penalties outside), then sweeps
 * every distinct anomaly score as a threshold. Kept line-for-line close to the Python so the
 * published results reproduce; deviations are commented.
 */

export interface CostMatrix {
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
}

/** A label window as row timestamps (epoch ms), inclusive on both ends. */
export type WindowLimits = readonly [start: number, end: number];

export interface AnomalyPoint {
  readonly anomalyScore: number;
  readonly sweepScore: number;
  /** `dataSetName|windowStart` inside a window, null outside, 'probationary' in the warm-up. */
  readonly windowName: string | null;
}

export interface ThresholdScore {
  readonly threshold: number;
  readonly score: number;
  readonly tp: number;
  readonly tn: number;
  readonly fp: number;
  readonly fn: number;
  readonly total: number;
}

export const PROBATIONARY = 'probationary';
export const DEFAULT_PROBATION_PERCENT = 0.15;

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** -1 is a window's left edge (≈0.987), 0 its right edge (0), > 0 past it (negative). */
export function scaledSigmoid(relativePositionInWindow: number): number {
  if (relativePositionInWindow > 3.0) return -1.0; // FP well behind the window
  return 2 * sigmoid(-5 * relativePositionInWindow) - 1.0;
}

/** NAB ignores the first 15% of each file, capped at 15% of 5000 rows. */
export function probationaryLength(numRows: number, probationPercent: number): number {
  return Math.min(Math.floor(probationPercent * numRows), probationPercent * 5000);
}

export class Sweeper {
  constructor(
    private readonly costMatrix: CostMatrix,
    private readonly probationPercent = DEFAULT_PROBATION_PERCENT,
  ) {}

  calcSweepScore(
    timestamps: readonly number[],
    anomalyScores: readonly number[],
    windowLimits: readonly WindowLimits[],
    dataSetName: string,
  ): AnomalyPoint[] {
    if (timestamps.length !== anomalyScores.length) {
      throw new Error(`${dataSetName}: timestamps and anomaly scores differ in length`);
    }
    const { tpWeight, fpWeight } = this.costMatrix;
    const pending = [...windowLimits];
    const firstIndex = indexOfFirst(timestamps);
    const maxTP = scaledSigmoid(-1.0);
    const probation = probationaryLength(timestamps.length, this.probationPercent);
    const anomalyList: AnomalyPoint[] = [];

    let cur: { limits: WindowLimits; name: string; width: number; rightIndex: number } | null =
      null;
    let prevWindowWidth: number | null = null;
    let prevWindowRightIndex: number | null = null;

    for (let i = 0; i < timestamps.length; i++) {
      const curTime = timestamps[i] as number;
      const curAnomaly = anomalyScores[i] as number;

      const next = pending[0];
      if (next !== undefined && curTime === next[0]) {
        pending.shift();
        const rightIndex = requireIndex(firstIndex, next[1], dataSetName);
        const leftIndex = requireIndex(firstIndex, next[0], dataSetName);
        cur = {
          limits: next,
          name: `${dataSetName}|${next[0]}`,
          width: rightIndex - leftIndex + 1,
          rightIndex,
        };
      }

      let weightedScore: number;
      if (cur !== null) {
        // As in NAB, the `+ 1` means a detection on the right edge still earns a little.
        const positionInWindow = -(cur.rightIndex - i + 1) / cur.width;
        weightedScore = (scaledSigmoid(positionInWindow) * tpWeight) / maxTP;
      } else {
        const unweighted =
          prevWindowRightIndex === null || prevWindowWidth === null
            ? -1.0 // no preceding window: as if very far from any window
            : scaledSigmoid(Math.abs(prevWindowRightIndex - i) / (prevWindowWidth - 1));
        weightedScore = unweighted * fpWeight;
      }

      const windowName = i >= probation ? (cur?.name ?? null) : PROBATIONARY;
      anomalyList.push({ anomalyScore: curAnomaly, sweepScore: weightedScore, windowName });

      if (cur !== null && curTime === cur.limits[1]) {
        prevWindowRightIndex = i;
        prevWindowWidth = cur.width;
        cur = null;
      }
    }
    return anomalyList;
  }

  /** NAB scores for every distinct anomaly score used as threshold, highest threshold first. */
  calcScoreByThreshold(anomalyList: readonly AnomalyPoint[]): ThresholdScore[] {
    // Python's sort is stable; ties never straddle a recorded row, so order among them is moot.
    const scorable = anomalyList
      .filter((p) => p.windowName !== PROBATIONARY)
      .sort((a, b) => b.anomalyScore - a.anomalyScore);

    // Each window starts as a missed detection; its best TP reward replaces that when reached.
    const windowScores = new Map<string, number>();
    for (const p of scorable) {
      if (p.windowName !== null) windowScores.set(p.windowName, -this.costMatrix.fnWeight);
    }
    let windowTotal = 0;
    for (const v of windowScores.values()) windowTotal += v;
    let fpTotal = 0;

    const scores: ThresholdScore[] = [];
    // Starting above 1.0 skips every point: the all-false-negative score.
    let curThreshold = 1.1;
    let tn = 0;
    let fn = 0;
    for (const p of scorable) {
      if (p.windowName === null) tn++;
      else fn++;
    }
    let tp = 0;
    let fp = 0;
    const record = (): void => {
      scores.push({
        threshold: curThreshold,
        score: fpTotal + windowTotal,
        tp,
        tn,
        fp,
        fn,
        total: tp + tn + fp + fn,
      });
    };

    for (const p of scorable) {
      if (p.anomalyScore !== curThreshold) {
        record();
        curThreshold = p.anomalyScore;
      }
      if (p.windowName === null) {
        fp++;
        tn--;
        fpTotal += p.sweepScore;
      } else {
        tp++;
        fn--;
        const before = windowScores.get(p.windowName) as number;
        if (p.sweepScore > before) {
          windowScores.set(p.windowName, p.sweepScore);
          windowTotal += p.sweepScore - before;
        }
      }
    }
    record();
    return scores;
  }

  /** One file's score at a fixed threshold (detections are rows with anomaly ≥ threshold). */
  scoreDataSet(
    timestamps: readonly number[],
    anomalyScores: readonly number[],
    windowLimits: readonly WindowLimits[],
    dataSetName: string,
    threshold: number,
  ): ThresholdScore {
    const rows = this.calcScoreByThreshold(
      this.calcSweepScore(timestamps, anomalyScores, windowLimits, dataSetName),
    );
    let prevRow: ThresholdScore | undefined;
    for (const row of rows) {
      if (row.threshold === threshold) return row;
      if (row.threshold < threshold) return prevRow ?? row;
      prevRow = row;
    }
    // NAB would return None here (every score above the threshold); all rows are detections.
    const last = rows[rows.length - 1];
    if (last === undefined) throw new Error(`${dataSetName}: nothing to score`);
    return last;
  }
}

function indexOfFirst(timestamps: readonly number[]): Map<number, number> {
  const index = new Map<number, number>();
  timestamps.forEach((t, i) => {
    if (!index.has(t)) index.set(t, i);
  });
  return index;
}

function requireIndex(index: Map<number, number>, timestamp: number, dataSetName: string): number {
  const i = index.get(timestamp);
  if (i === undefined) {
    throw new Error(`${dataSetName}: window limit ${new Date(timestamp).toISOString()} is no row`);
  }
  return i;
}
