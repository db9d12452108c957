import { namesOtherService, quotesOtherEndpoint } from '../detectors/template-novelty';
import type { Pool } from '../store/db';
import { readServiceEndpoints } from '../store/detection';
import { readServiceNames, readTemplateLines, readTemplateTexts } from '../store/log-templates';

/** A template as one service logs it. */
export interface LoggedTemplate {
  service: string;
  templateId: string;
}

export const loggedKey = (t: LoggedTemplate) => `${t.service}|${t.templateId}`;

/**
 * The templates (keys `<service>|<template id>`) whose lines name another service or quote a
 * route it serves: a caller's view of its calls into that service (a registry's "no instances
 * available for <service>", the 500 it got back from one of that service's routes), evidence
 * about that service or the registry, not about the caller's own code (see
 * detectors/template-novelty `namesOtherService`, `quotesOtherEndpoint`). Judged on the
 * template's text or, where the miner masked the name, on its newest line logged since `since`.
 */
export async function readTemplatesAboutOtherServices(
  pool: Pool,
  templates: LoggedTemplate[],
  since: Date,
): Promise<Set<string>> {
  if (!templates.length) return new Set();
  const ids = [...new Set(templates.map((t) => t.templateId))];
  const [texts, lines, services, endpoints] = await Promise.all([
    readTemplateTexts(pool, ids),
    readTemplateLines(pool, ids, since),
    readServiceNames(pool),
    readServiceEndpoints(pool),
  ]);
  return new Set(
    templates
      .filter((t) =>
        [texts.get(t.templateId)?.template, lines.get(t.templateId)].some(
          (text) =>
            text !== undefined &&
            (namesOtherService(text, t.service, services) ||
              quotesOtherEndpoint(text, t.service, endpoints)),
        ),
      )
      .map(loggedKey),
  );
}
