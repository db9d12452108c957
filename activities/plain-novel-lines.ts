import type { Pool } from '../store/db';
import { severityOf } from '../store/investigation-telemetry';
import { readTemplateTexts } from '../store/log-templates';
import type { Anomaly } from '../workflows/incident/types';
import { warnSeverity } from './log-templates';

/**
 * Whether a template is logged at WARN or worse: by the severity its records carried, or, where
 * they carried none (plain-text logs), by the level its text begins with.
 */
export function severeTemplate(t: { template: string; severityNumber: number }): boolean {
  return t.severityNumber >= warnSeverity || severityOf(0, t.template) >= warnSeverity;
}

/** A novel template's burst (series `tmpl:<service>:<template id>:new`). */
const isNovelBurst = (a: Anomaly) => a.seriesKey.endsWith(':new');

/**
 * The novel templates' bursts whose template is below WARN. A line the service never wrote
 * before at INFO is a path through its code not taken in the engine's memory (a rarer booking,
 * a new route), which a fault does not need to explain: it is news when a symptom comes with it
 * (slow or failing calls, errors), not on its own. So it backs an incident and counts as what
 * the service's lines say, but never opens one alone (see CorrelationOptions.conclusive).
 */
export async function plainNovelBursts(pool: Pool, anomalies: Anomaly[]): Promise<Set<string>> {
  const bursts = anomalies.filter(isNovelBurst);
  if (!bursts.length) return new Set();
  const idOf = (a: Anomaly) => a.seriesKey.split(':').at(-2)!;
  const texts = await readTemplateTexts(pool, [...new Set(bursts.map(idOf))]);
  return new Set(
    bursts
      .filter((a) => {
        const text = texts.get(idOf(a));
        return text !== undefined && !severeTemplate(text);
      })
      .map((a) => a.seriesKey),
  );
}
