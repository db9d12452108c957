/** Markdown/console rendering of NAB results. */
import type { LeaveOneOutResult, PartScore } from './leave-one-out';

export const PROFILE_ORDER = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;

/** A detector's leave-one-category-out result, rendered beside its in-sample one. */
export interface LeaveOneOutRow {
  readonly name: string;
  readonly result: LeaveOneOutResult;
  readonly throughput?: number;
}

function normalized(p: PartScore | undefined): string {
  if (p === undefined) return '–';
  // A category without windows has no normalised score: show its raw cost of false positives.
  return p.normalized === null ? `raw ${p.raw.toFixed(2)}` : p.normalized.toFixed(2);
}

/** Headline: pooled leave-one-category-out scores, in-sample beside them. */
export function leaveOneOutTable(rows: readonly LeaveOneOutRow[]): string {
  const lines = [
    '| Detector | **LOO standard** | LOO low FP | LOO low FN | in-sample standard | ' +
      'in-sample low FP | in-sample low FN | Points/s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const speed = r.throughput === undefined ? '–' : Math.round(r.throughput).toLocaleString('en');
    const loo = PROFILE_ORDER.map((p) => normalized(r.result.pooled[p]));
    const inSample = PROFILE_ORDER.map((p) => normalized(r.result.inSample[p]));
    lines.push(
      `| ${r.name} | **${loo[0]}** | ${loo.slice(1).join(' | ')} | ${inSample.join(' | ')} | ${speed} |`,
    );
  }
  return lines.join('\n');
}

/** Standard profile per category: each detector's left-out and in-sample score. */
export function categoryTable(rows: readonly LeaveOneOutRow[]): string {
  const head = rows.map((r) => `${r.name} LOO | ${r.name} in-sample`).join(' | ');
  const lines = [
    `| Category (files, windows) | ${head} |`,
    `|---|${rows.map(() => '---:|---:').join('|')}|`,
  ];
  const categories = rows[0]?.result.categories ?? [];
  categories.forEach((c, i) => {
    const cells = rows.map((r) => {
      const cat = r.result.categories[i];
      return `${normalized(cat?.leftOut.standard)} | ${normalized(cat?.inSample.standard)}`;
    });
    lines.push(`| ${c.category} (${c.files}, ${c.windows}) | ${cells.join(' | ')} |`);
  });
  return lines.join('\n');
}

/** Which setting and threshold each fold chose on the other categories (standard profile). */
export function choiceTable(result: LeaveOneOutResult): string {
  const lines = [
    '| Left out | setting chosen on the others | threshold |',
    '|---|---|---:|',
    ...result.categories.map(
      (c) =>
        `| ${c.category} | ${c.leftOut.standard?.candidate ?? '–'} | ` +
        `${c.leftOut.standard?.threshold.toFixed(4) ?? '–'} |`,
    ),
    `| (none: in-sample) | ${result.inSample.standard?.candidate ?? '–'} | ` +
      `${result.inSample.standard?.threshold.toFixed(4) ?? '–'} |`,
  ];
  return lines.join('\n');
}
