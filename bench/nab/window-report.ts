/**
 * Where a detector's NAB points go, window by window: when each label window is first alerted
 * in (and how much NAB pays for that moment), which windows are missed, and which alerts fall
 * outside every window. Built on the sweeper's own per-row scores, so the report adds up to
 * what NAB's scorer charges at the same threshold.
 */
import type { DataFile } from './corpus';
import { PROBATIONARY, Sweeper, type CostMatrix } from './sweeper';

export interface WindowRow {
  readonly file: string;
  /** First and last row of the window. */
  readonly left: number;
  readonly right: number;
  /** First row at or above the threshold inside the window (after probation), if any. */
  readonly firstAlert: number | null;
  /** What NAB pays for the window: its best (earliest) alert, or −fnWeight when missed. */
  readonly earned: number;
  /**
   * What an alert at the window's middle row would earn. NAB centres a window on its label, so
   * a detector that alerts when the labelled event happens earns this much, and only an alert
   * before the label (a precursor) earns more.
   */
  readonly atMiddle: number;
}

export interface FalseAlarm {
  readonly file: string;
  readonly row: number;
  readonly score: number;
  /** NAB's charge for it (negative; smaller just after a window). */
  readonly cost: number;
}

export interface WindowReport {
  readonly windows: readonly WindowRow[];
  readonly falseAlarms: readonly FalseAlarm[];
}

/** The report for one file's scores at `threshold`, under one cost matrix. */
export function windowReport(
  file: DataFile,
  scores: readonly number[],
  threshold: number,
  costMatrix: CostMatrix,
): WindowReport {
  const rows = new Sweeper(costMatrix).calcSweepScore(
    file.timestamps,
    scores,
    file.windows,
    file.relativePath,
  );
  const windows = file.windows.map(([start, end]): WindowRow => {
    const left = file.timestamps.indexOf(start);
    const right = file.timestamps.indexOf(end);
    const middle = left + Math.floor((right - left) / 2);
    let firstAlert: number | null = null;
    for (let i = left; i <= right && firstAlert === null; i++) {
      const row = rows[i];
      if (row !== undefined && row.windowName !== PROBATIONARY && row.anomalyScore >= threshold) {
        firstAlert = i;
      }
    }
    return {
      file: file.relativePath,
      left,
      right,
      firstAlert,
      earned:
        firstAlert === null
          ? -costMatrix.fnWeight
          : (rows[firstAlert]?.sweepScore ?? -costMatrix.fnWeight),
      atMiddle: rows[middle]?.sweepScore ?? 0,
    };
  });
  const falseAlarms: FalseAlarm[] = [];
  rows.forEach((row, i) => {
    if (row.windowName === null && row.anomalyScore >= threshold) {
      falseAlarms.push({
        file: file.relativePath,
        row: i,
        score: row.anomalyScore,
        cost: row.sweepScore,
      });
    }
  });
  return { windows, falseAlarms };
}

export interface PointsSummary {
  readonly windows: number;
  readonly found: number;
  /** Sum of `earned` over found windows. */
  readonly earnedFound: number;
  /** Points lost to lateness that an alert at each found window's middle would not lose. */
  readonly lateAfterMiddle: number;
  /** Points lost to lateness even by alerts at each window's middle (NAB's centred windows). */
  readonly lateAtMiddle: number;
  readonly missed: number;
  readonly falseAlarms: number;
  readonly falseAlarmCost: number;
}

/** Totals of many files' reports; tpWeight is what a window's left edge earns. */
export function summarize(reports: readonly WindowReport[], tpWeight: number): PointsSummary {
  const windows = reports.flatMap((r) => r.windows);
  const found = windows.filter((w) => w.firstAlert !== null);
  const falseAlarms = reports.flatMap((r) => r.falseAlarms);
  return {
    windows: windows.length,
    found: found.length,
    earnedFound: found.reduce((s, w) => s + w.earned, 0),
    lateAfterMiddle: found.reduce((s, w) => s + Math.max(0, w.atMiddle - w.earned), 0),
    lateAtMiddle: found.reduce((s, w) => s + tpWeight - Math.max(w.atMiddle, w.earned), 0),
    missed: windows.length - found.length,
    falseAlarms: falseAlarms.length,
    falseAlarmCost: falseAlarms.reduce((s, f) => s + f.cost, 0),
  };
}
