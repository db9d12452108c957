import type { Pool } from '../store/db';
import type { SeriesPoint } from '../store/detection';
import { severityOf } from '../store/investigation-telemetry';
import { readNewTemplates, readTemplateCounts, readTemplateTexts } from '../store/log-templates';
import type { Anomaly } from '../workflows/incident/types';
import { loggedKey, readTemplatesAboutOtherServices } from './lines-about-others';

/** OTel severity number from which a new template matters (WARN and worse). */
export const warnSeverity = 13;
const newTemplateScore = 0.95;

export interface TemplateWindow {
  /** Per-template record counts per bucket: series `tmpl:<service>:<template id>`. */
  points: SeriesPoint[];
  /** Warning or error templates the system had never logged before. */
  newTemplates: Anomaly[];
  /**
   * Count series of templates below WARN: more of a service's everyday lines is more work
   * (traffic), not a failure, so their rises back an incident but never open one.
   */
  everyday: Set<string>;
  /**
   * Per service and bucket, the share of its log lines at WARN or worse (series
   * `logerr:<service>`, weighed by the lines): the error rate of code that logs its failures
   * instead of failing its calls (a method that throws or returns the wrong value). A caller's
   * WARN lines about another service (see lines-about-others) are left out: they are that
   * service's or the registry's trouble as the caller saw it, which the calls' own spans read.
   */
  errorShares: SeriesPoint[];
}

/**
 * The log side of a detection pass over the buckets in [from, to): records were tagged with
 * their template at ingest (ingest/log-templates.ts), so this only counts and looks up.
 */
export async function readTemplateWindow(
  pool: Pool,
  from: Date,
  to: Date,
): Promise<TemplateWindow> {
  const [counts, created] = await Promise.all([
    readTemplateCounts(pool, from, to),
    readNewTemplates(pool, from, to, warnSeverity),
  ]);
  const texts = await readTemplateTexts(pool, [...new Set(counts.map((c) => c.templateId))]);
  const level = (templateId: string) => {
    const t = texts.get(templateId);
    return t && severityOf(t.severityNumber, t.template);
  };
  const everyday = new Set(
    counts
      .filter((c) => (level(c.templateId) ?? warnSeverity) < warnSeverity)
      .map((c) => `tmpl:${c.service}:${c.templateId}`),
  );
  const bad = counts.filter((c) => (level(c.templateId) ?? 0) >= warnSeverity);
  const aboutOthers = await readTemplatesAboutOtherServices(pool, bad, from);
  const lines = new Map<string, { service: string; bucket: number; all: number; bad: number }>();
  for (const c of counts) {
    if (aboutOthers.has(loggedKey(c))) continue;
    const key = `${c.service}|${c.bucket}`;
    const tally = lines.get(key) ?? { service: c.service, bucket: c.bucket, all: 0, bad: 0 };
    tally.all += c.records;
    if ((level(c.templateId) ?? 0) >= warnSeverity) tally.bad += c.records;
    lines.set(key, tally);
  }
  return {
    everyday,
    errorShares: [...lines.values()].map((t) => ({
      seriesKey: `logerr:${t.service}`,
      service: t.service,
      signal: 'errors',
      bucket: t.bucket,
      value: t.bad / t.all,
      support: t.all,
    })),
    points: counts.map((c) => ({
      seriesKey: `tmpl:${c.service}:${c.templateId}`,
      service: c.service,
      signal: 'logs',
      bucket: c.bucket,
      value: c.records,
    })),
    newTemplates: created.map((t) => ({
      seriesKey: `tmpl:${t.service}:${t.templateId}:new`,
      service: t.service,
      signal: 'logs',
      score: newTemplateScore,
      value: 1,
      baseline: 0,
      at: t.firstSeen.toISOString(),
    })),
  };
}
