import { endpointOwnersQuoted, servicesNamed } from '../detectors/template-novelty';
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
 * route it serves, with those services: a caller's view of its calls into them (`No instances
 * available for ts-basic-service`, the 500 it got back from `/api/v1/basicservice/…`), evidence
 * about them or the registry, not about the caller's own code (see detectors/template-novelty
 * `namesOtherService`, `quotesOtherEndpoint`). Judged on the template's text and, where the miner
 * masked the name, on its newest line logged since `since`.
 */
export async function readTemplatesAboutOtherServices(
  pool: Pool,
  templates: LoggedTemplate[],
  since: Date,
): Promise<Map<string, string[]>> {
  if (!templates.length) return new Map();
  const ids = [...new Set(templates.map((t) => t.templateId))];
  const [texts, lines, services, endpoints] = await Promise.all([
    readTemplateTexts(pool, ids),
    readTemplateLines(pool, ids, since),
    readServiceNames(pool),
    readServiceEndpoints(pool),
  ]);
  const about = new Map<string, string[]>();
  for (const t of templates) {
    const named = new Set(
      [texts.get(t.templateId)?.template, lines.get(t.templateId)].flatMap((text) =>
        text === undefined
          ? []
          : [
              ...servicesNamed(text, t.service, services),
              ...endpointOwnersQuoted(text, t.service, endpoints),
            ],
      ),
    );
    if (named.size) about.set(loggedKey(t), [...named]);
  }
  return about;
}
