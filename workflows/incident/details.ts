import type { IncidentState } from './types';

/** The Markdown shown as the incident's current details in the Temporal Web UI. */
export function incidentDetails(state: IncidentState): string {
  const lines = [
    `## Incident ${state.incidentId}`,
    '',
    `| | |`,
    `|---|---|`,
    `| status | **${state.status}** |`,
    `| severity | ${state.severity} |`,
    `| service | ${state.service} |`,
    `| affected services | ${state.services.join(', ')} |`,
    `| opened | ${state.openedAt} |`,
    `| last anomaly | ${state.lastAnomalyAt} |`,
    `| anomalies | ${state.anomalyCount} |`,
  ];
  if (state.rootCause) {
    lines.push(
      `| root cause | ${state.rootCause.service} (${state.rootCause.kind}, score ${state.rootCause.score.toFixed(2)}) |`,
    );
  }
  if (state.rootCauseRevisedFrom)
    lines.push(
      `| root cause revised | from ${state.rootCauseRevisedFrom} to ${state.rootCause?.service ?? 'none'} |`,
    );
  if (state.investigationId) lines.push(`| investigation | ${state.investigationId} |`);
  if (state.runbook) lines.push(`| runbook | ${state.runbook} |`);
  if ((state.remedies?.length ?? 0) > 1)
    lines.push(`| remedies tried | ${state.remedies!.join('; ')} |`);
  if (state.resolution) lines.push(`| resolution | ${state.resolution} |`);
  if (state.summary) lines.push('', '### Summary', '', state.summary);
  if (state.rootCause?.outside?.length) {
    lines.push('', `### What the cluster and alerts say of ${state.rootCause.service}`, '');
    for (const o of state.rootCause.outside) lines.push(`- ${o}`);
  }
  for (const note of state.notes ?? []) lines.push('', `> ${note}`);
  if (state.topAnomalies.length) {
    lines.push(
      '',
      '### Strongest anomalies',
      '',
      '| series | signal | score | value | baseline |',
      '|---|---|---|---|---|',
    );
    for (const a of state.topAnomalies) {
      lines.push(
        `| \`${a.seriesKey}\` | ${a.signal} | ${a.score.toFixed(3)} | ${fmt(a.value)} | ${a.baseline === undefined ? '' : fmt(a.baseline)} |`,
      );
    }
  }
  return lines.join('\n');
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(4);
}
