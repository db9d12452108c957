/**
 * How much one investigation may cover. The root-cause methods hold every series of the window
 * in 10-second buckets, so an unbounded window (a mistyped `--start`) would exhaust the heap of
 * the process that runs them. The CLI checks these before starting the workflow and the
 * workflow checks them again, failing at once instead of in retries.
 */
export const investigationLimits = {
  /** From the fault's start to the window's end. */
  maxFaultWindowMinutes: 360,
  /** Healthy traffic before the fault (stretched up to 3× around other incidents). */
  maxBaselineMinutes: 360,
} as const;

/** Strict ISO-8601 date-time (a bare `1` or `2024` is not one, though `Date.parse` takes it). */
const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function parseIsoTime(value: string): number | undefined {
  if (!isoDateTime.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export interface InvestigationWindowInput {
  faultStart: string;
  end: string;
  baselineMinutes: number;
  firstAnomalyAt?: string;
}

/** What is wrong with an investigation's window, in words for its caller; empty when it is valid. */
export function investigationWindowProblems(input: InvestigationWindowInput): string[] {
  const problems: string[] = [];
  const start = parseIsoTime(input.faultStart);
  const end = parseIsoTime(input.end);
  if (start === undefined) problems.push(`start is not an ISO-8601 time: ${input.faultStart}`);
  if (end === undefined) problems.push(`end is not an ISO-8601 time: ${input.end}`);
  if (start !== undefined && end !== undefined) {
    const minutes = (end - start) / 60_000;
    if (minutes <= 0) problems.push(`end (${input.end}) is not after start (${input.faultStart})`);
    else if (minutes > investigationLimits.maxFaultWindowMinutes)
      problems.push(
        `the window from start to end is ${Math.round(minutes)} minutes; at most ` +
          `${investigationLimits.maxFaultWindowMinutes} minutes are investigated at once`,
      );
  }
  const { baselineMinutes } = input;
  if (
    typeof baselineMinutes !== 'number' ||
    !(baselineMinutes > 0 && baselineMinutes <= investigationLimits.maxBaselineMinutes)
  )
    problems.push(
      `baseline must be more than 0 and at most ${investigationLimits.maxBaselineMinutes} ` +
        `minutes, not ${String(baselineMinutes)}`,
    );
  if (input.firstAnomalyAt !== undefined && parseIsoTime(input.firstAnomalyAt) === undefined)
    problems.push(`firstAnomalyAt is not an ISO-8601 time: ${input.firstAnomalyAt}`);
  return problems;
}
