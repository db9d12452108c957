import type { SummaryInput } from './types';

/**
 * The evidence as the model sees it: JSON quoted inside <evidence> tags, trimmed to a token
 * budget. Everything in it may come from the monitored systems (log lines above all), so it is
 * data, never instructions: `<`, `>` and `&` are \u-escaped, which keeps the JSON identical in
 * meaning but makes it impossible for a log line to close the block or open another tag.
 */
export const evidenceTag = 'evidence';

/** Most items of each list worth showing at all, before any budget applies. */
const caps = { candidates: 10, anomalies: 25, similarIncidents: 5, logLines: 60 } as const;
const maxLogLineChars = 400;
const maxSummaryChars = 300;
/** Lists are trimmed from the end in this order: raw log lines go first, candidates last. */
const trimOrder = ['logLines', 'anomalies', 'similarIncidents', 'candidates'] as const;

/**
 * A deliberately pessimistic token estimate (English prose averages ~4 characters per token;
 * JSON, ids and numbers tokenize worse). Counting exactly would cost an API call per request.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3);
}

export function quoteAsData(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

type Lists = {
  candidates: unknown[];
  anomalies: unknown[];
  similarIncidents: unknown[];
  logLines: unknown[];
};

function lists(input: SummaryInput): Lists {
  return {
    candidates: input.candidates.slice(0, caps.candidates).map((c, i) => ({
      rank: i + 1,
      service: c.service,
      ...(c.operation ? { operation: c.operation } : {}),
      kind: c.kind,
      score: c.score,
      ...(c.evidence.traceIds?.length ? { traceIds: c.evidence.traceIds.slice(0, 3) } : {}),
      ...(c.evidence.templates?.length
        ? { logTemplates: c.evidence.templates.slice(0, 3).map((t) => clip(t, maxLogLineChars)) }
        : {}),
      ...(c.evidence.metricDeltas ? { metricDeltas: c.evidence.metricDeltas } : {}),
      ...(c.evidence.outside?.length
        ? { clusterAndAlerts: c.evidence.outside.map((o) => clip(o, maxLogLineChars)) }
        : {}),
    })),
    anomalies: input.anomalies.slice(0, caps.anomalies),
    similarIncidents: input.similarIncidents.slice(0, caps.similarIncidents).map((s) => ({
      ...s,
      ...(s.summary ? { summary: clip(s.summary, maxSummaryChars) } : {}),
    })),
    logLines: input.logLines
      .slice(0, caps.logLines)
      .map((l) => ({ ...l, body: clip(l.body, maxLogLineChars) })),
  };
}

function render(input: SummaryInput, shown: Lists): string {
  const data = {
    incident: {
      id: input.incidentId,
      service: input.service,
      severity: input.severity,
      openedAt: input.openedAt,
    },
    rootCauseCandidates: shown.candidates,
    anomalies: shown.anomalies,
    similarPastIncidents: shown.similarIncidents,
    ...(input.graphRecommendation
      ? { runbookThatFixedSimilarIncidents: input.graphRecommendation }
      : {}),
    logLines: shown.logLines,
  };
  return `<${evidenceTag}>\n${quoteAsData(data)}\n</${evidenceTag}>`;
}

export interface RenderedEvidence {
  text: string;
  /** Says what was left out, when anything was. */
  notes: string[];
}

/** Renders the evidence block within `tokenBudget` estimated tokens, trimming lists if needed. */
export function renderEvidence(input: SummaryInput, tokenBudget: number): RenderedEvidence {
  const given = {
    candidates: input.candidates.length,
    anomalies: input.anomalies.length,
    similarIncidents: input.similarIncidents.length,
    logLines: input.logLines.length,
  };
  const shown = lists(input);
  let text = render(input, shown);
  while (estimateTokens(text) > tokenBudget) {
    const list = trimOrder.find((name) => shown[name].length > 0);
    if (!list) break;
    shown[list].pop();
    text = render(input, shown);
  }
  const left = trimOrder.filter((name) => shown[name].length < given[name]);
  const notes = left.length
    ? [
        'evidence shortened to fit the prompt (item caps, input token budget): kept ' +
          left.map((name) => `${shown[name].length} of ${given[name]} ${name}`).join(', '),
      ]
    : [];
  return { text, notes };
}
