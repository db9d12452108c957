import type { RankedRootCauses } from './types';

/** The ranked causes as Markdown, for the Temporal Web UI's current details. */
export function investigationDetails(ranked: RankedRootCauses, notes: string[] = []): string {
  const lines = [
    `## Investigation ${ranked.investigationId}`,
    '',
    `Methods: ${ranked.methods.join(', ')}; ${ranked.spans} spans` +
      (ranked.traceSampleRatio < 1
        ? ` (${(ranked.traceSampleRatio * 100).toFixed(0)}% of traces)`
        : ''),
    '',
    '| # | service | operation | kind | score | evidence |',
    '|---|---|---|---|---|---|',
  ];
  ranked.candidates.forEach((c, i) => {
    const evidence = [
      ...(c.evidence.outside ?? []).slice(0, 2),
      ...(c.evidence.templates ?? []).slice(0, 2).map((t) => `log: \`${t.slice(0, 80)}\``),
      ...Object.entries(c.evidence.metricDeltas ?? {})
        .slice(0, 2)
        .map(([k, v]) => `${k} ${v >= 0 ? '+' : ''}${v.toPrecision(3)}`),
      ...(c.evidence.traceIds ?? []).slice(0, 1).map((t) => `trace ${t}`),
    ].join('<br>');
    lines.push(
      `| ${i + 1} | ${c.service} | ${c.operation ?? ''} | ${c.kind} | ${c.score.toFixed(3)} | ${evidence} |`,
    );
  });
  if (notes.length) lines.push('', ...notes.map((n) => `- ${n}`));
  return lines.join('\n');
}
