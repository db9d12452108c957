import type { MinerState } from '../detectors/logs/miner';
import { withTransaction, type Pool } from './db';
import { rowBoundLimit, withinRowBound } from './query-bounds';

/** What the ingest process saves so template ids stay stable across restarts. */
export interface MinerSnapshot {
  state: MinerState;
  /** Lines learned in total (restored too): novelty only counts once the miner warmed up. */
  lines: number;
  /** Grows with every change to the templates; an older snapshot never replaces a newer one. */
  version: number;
}

/** A template as the ingest process saw it since its last save. */
export interface TemplateSighting {
  templateId: string;
  service: string;
  template: string;
  firstSeen: Date;
  lastSeen: Date;
  /** Of the record that created the template. */
  severityNumber: number;
  /** Created after the miner warmed up: a template the system had not logged before. */
  novel: boolean;
}

export async function loadMinerSnapshot(pool: Pool): Promise<MinerSnapshot | undefined> {
  const { rows } = await pool.query<{ state: MinerState; lines: string; version: string }>(
    'SELECT state, lines, version FROM log_miner_state WHERE id = 1',
  );
  const r = rows[0];
  return r && { state: r.state, lines: Number(r.lines), version: Number(r.version) };
}

/**
 * Saves the miner and the templates sighted since the last save in one transaction. A
 * template keeps its first sighting (time, severity, novelty); its text follows the miner's
 * generalizations; merged ids point to their survivor.
 */
export async function saveMinerSnapshot(
  pool: Pool,
  snapshot: MinerSnapshot,
  sightings: TemplateSighting[],
): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO log_miner_state (id, state, lines, version, updated_at)
       VALUES (1, $1, $2, $3, now())
       ON CONFLICT (id) DO UPDATE
         SET state = EXCLUDED.state, lines = EXCLUDED.lines, version = EXCLUDED.version,
             updated_at = now()
         WHERE log_miner_state.version < EXCLUDED.version`,
      [JSON.stringify(snapshot.state), snapshot.lines, snapshot.version],
    );
    if (sightings.length) {
      await client.query(
        `INSERT INTO log_templates
           (template_id, service, template, first_seen, last_seen, severity_number, novel)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[],
                              $5::timestamptz[], $6::smallint[], $7::boolean[])
         ON CONFLICT (template_id) DO UPDATE SET template = EXCLUDED.template,
           last_seen = greatest(log_templates.last_seen, EXCLUDED.last_seen)`,
        [
          sightings.map((t) => t.templateId),
          sightings.map((t) => t.service),
          sightings.map((t) => t.template),
          sightings.map((t) => t.firstSeen),
          sightings.map((t) => t.lastSeen),
          sightings.map((t) => t.severityNumber),
          sightings.map((t) => t.novel),
        ],
      );
    }
    const aliases = Object.entries(snapshot.state.aliases);
    if (aliases.length) {
      await client.query(
        `UPDATE log_templates t SET merged_into = a.target
         FROM unnest($1::text[], $2::text[]) AS a(alias, target)
         WHERE t.template_id = a.alias AND t.merged_into IS DISTINCT FROM a.target`,
        [aliases.map(([alias]) => alias), aliases.map(([, target]) => target)],
      );
    }
  });
}

export interface TemplateCount {
  bucket: number;
  service: string;
  /** The live template (merged ids resolved to their survivor). */
  templateId: string;
  records: number;
}

/** Log records per template and 10-second bucket in [from, to). */
export async function readTemplateCounts(
  pool: Pool,
  from: Date,
  to: Date,
): Promise<TemplateCount[]> {
  const { rows } = await pool.query<{
    bucket: Date;
    service: string;
    template_id: string;
    records: number;
  }>(
    `SELECT to_timestamp(floor(extract(epoch FROM l.time) / 10) * 10) AS bucket,
       s.name AS service, coalesce(t.merged_into, l.template_id) AS template_id,
       count(*)::int AS records
     FROM logs l
     JOIN services s ON s.id = l.service_id
     LEFT JOIN log_templates t ON t.template_id = l.template_id
     WHERE l.time >= $1 AND l.time < $2 AND l.template_id IS NOT NULL
     GROUP BY 1, 2, 3
     ORDER BY 1 ${rowBoundLimit}`,
    [from, to],
  );
  return withinRowBound(rows, 'log template counts').map((r) => ({
    bucket: r.bucket.getTime(),
    service: r.service,
    templateId: r.template_id,
    records: r.records,
  }));
}

export interface NewTemplate {
  templateId: string;
  service: string;
  template: string;
  firstSeen: Date;
}

/** Templates first logged in [from, to) after the miner warmed up, at this severity or worse. */
export async function readNewTemplates(
  pool: Pool,
  from: Date,
  to: Date,
  minSeverity: number,
): Promise<NewTemplate[]> {
  const { rows } = await pool.query<{
    template_id: string;
    service: string;
    template: string;
    first_seen: Date;
  }>(
    `SELECT template_id, service, template, first_seen FROM log_templates
     WHERE novel AND severity_number >= $3 AND first_seen >= $1 AND first_seen < $2
     ORDER BY first_seen ${rowBoundLimit}`,
    [from, to, minSeverity],
  );
  return withinRowBound(rows, 'new log templates').map((r) => ({
    templateId: r.template_id,
    service: r.service,
    template: r.template,
    firstSeen: r.first_seen,
  }));
}

/** Every template of these services (merged ones included: each was a line once logged). */
export async function readServiceTemplates(
  pool: Pool,
  services: string[],
): Promise<{ service: string; template: string; firstSeen: Date }[]> {
  if (!services.length) return [];
  const { rows } = await pool.query<{ service: string; template: string; first_seen: Date }>(
    `SELECT service, template, first_seen FROM log_templates
     WHERE service = ANY($1::text[]) ORDER BY first_seen ${rowBoundLimit}`,
    [services],
  );
  return withinRowBound(rows, 'service log templates').map((r) => ({
    service: r.service,
    template: r.template,
    firstSeen: r.first_seen,
  }));
}

/** The text and severity of these templates, by id. */
export async function readTemplateTexts(
  pool: Pool,
  templateIds: string[],
): Promise<Map<string, { template: string; severityNumber: number }>> {
  if (!templateIds.length) return new Map();
  const { rows } = await pool.query<{
    template_id: string;
    template: string;
    severity_number: number;
  }>(
    `SELECT template_id, template, severity_number FROM log_templates
     WHERE template_id = ANY($1::text[]) ${rowBoundLimit}`,
    [templateIds],
  );
  return new Map(
    withinRowBound(rows, 'log template texts').map((r) => [
      r.template_id,
      { template: r.template, severityNumber: r.severity_number },
    ]),
  );
}

/**
 * The newest line of each of these templates logged at or after `since`: a template's text may
 * have masked a part its lines carry (a name that varies between lines becomes `<*>`).
 */
export async function readTemplateLines(
  pool: Pool,
  templateIds: string[],
  since: Date,
): Promise<Map<string, string>> {
  if (!templateIds.length) return new Map();
  const { rows } = await pool.query<{ template_id: string; body: string }>(
    `SELECT DISTINCT ON (template_id) template_id, body FROM logs
     WHERE template_id = ANY($1::text[]) AND time >= $2 AND body IS NOT NULL
     ORDER BY template_id, time DESC`,
    [templateIds, since],
  );
  return new Map(rows.map((r) => [r.template_id, r.body]));
}

/** The name of every service the store has heard from. */
export async function readServiceNames(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(`SELECT name FROM services ${rowBoundLimit}`);
  return withinRowBound(rows, 'service names').map((r) => r.name);
}
