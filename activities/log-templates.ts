import { LogTemplateMiner } from '../detectors/logs/miner';
import type { Pool } from '../store/db';
import type { SeriesPoint } from '../store/detection';
import { loadMinerState, readWindowLogs, type SeenTemplate } from '../store/log-templates';
import type { Anomaly } from '../workflows/incident/types';

/** Before the miner has learned this many lines, every template is new: none is news. */
const linesBeforeNovelty = 2_000;
/** OTel severity number from which a new template matters (WARN and worse). */
const warnSeverity = 13;
const newTemplateScore = 0.95;

export interface MinedWindow {
  /** Per-template record counts per bucket: series `tmpl:<service>:<template id>`. */
  points: SeriesPoint[];
  /** Warning or error templates never seen before. */
  newTemplates: Anomaly[];
  seen: SeenTemplate[];
  save: { state: ReturnType<LogTemplateMiner['exportState']>; lines: number };
}

/**
 * Mines the window's log records into templates with the persisted online miner (the service
 * name leads each line, and the miner never generalizes a first word, so templates stay per
 * service), counting records per template and bucket and flagging new warning/error templates.
 */
export async function mineWindowLogs(pool: Pool, from: Date, to: Date): Promise<MinedWindow> {
  const logs = await readWindowLogs(pool, from, to);
  const miner = new LogTemplateMiner();
  const stored = await loadMinerState(pool);
  if (stored) miner.importState(stored.state);
  let lines = stored?.lines ?? 0;
  const counts = new Map<string, SeriesPoint>();
  const seen = new Map<string, SeenTemplate>();
  const newTemplates: Anomaly[] = [];
  for (const log of logs) {
    const learned = miner.add(`${log.service} ${log.body}`);
    const novel = learned.isNew && lines >= linesBeforeNovelty;
    lines++;
    const seriesKey = `tmpl:${log.service}:${learned.templateId}`;
    const key = `${seriesKey}@${log.bucket}`;
    const point = counts.get(key);
    if (point) point.value++;
    else
      counts.set(key, {
        seriesKey,
        service: log.service,
        signal: 'logs',
        bucket: log.bucket,
        value: 1,
      });
    const at = new Date(log.bucket);
    const known = seen.get(learned.templateId);
    if (known) known.lastSeen = at;
    else {
      seen.set(learned.templateId, {
        templateId: learned.templateId,
        service: log.service,
        template: learned.template,
        firstSeen: at,
        lastSeen: at,
      });
    }
    if (novel && log.severityNumber >= warnSeverity) {
      newTemplates.push({
        seriesKey: `${seriesKey}:new`,
        service: log.service,
        signal: 'logs',
        score: newTemplateScore,
        value: 1,
        baseline: 0,
        at: at.toISOString(),
      });
    }
  }
  return {
    points: [...counts.values()],
    newTemplates,
    seen: [...seen.values()],
    save: { state: miner.exportState(), lines },
  };
}
