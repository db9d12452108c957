/** Markdown/console rendering of NAB results. */
import type { ProfileScore } from './scorer';

export const PROFILE_ORDER = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;

export interface ResultRow {
  readonly name: string;
  readonly scores: Record<string, ProfileScore>;
  /** Points per second, when the row was run here. */
  readonly throughput?: number;
}

function cell(scores: Record<string, ProfileScore>, profile: string): string {
  return scores[profile]?.normalized.toFixed(2) ?? '–';
}

/** One row per detector: the three profile scores, Δ standard vs a reference, throughput. */
export function resultTable(
  rows: readonly ResultRow[],
  reference: ResultRow,
  referenceLabel: string,
): string {
  const ref = reference.scores.standard?.normalized ?? 0;
  const lines = [
    `| Detector | Standard | Low FP | Low FN | Δ standard vs ${referenceLabel} | Points/s |`,
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const delta = (r.scores.standard?.normalized ?? 0) - ref;
    const speed = r.throughput === undefined ? '–' : Math.round(r.throughput).toLocaleString('en');
    lines.push(
      `| ${r.name} | ${PROFILE_ORDER.map((p) => cell(r.scores, p)).join(' | ')} | ` +
        `${delta >= 0 ? '+' : ''}${delta.toFixed(2)} | ${speed} |`,
    );
  }
  return lines.join('\n');
}
