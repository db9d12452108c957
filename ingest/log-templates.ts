import { LogTemplateMiner } from '../detectors/logs/miner';
import type { Pool } from '../store/db';
import {
  loadMinerSnapshot,
  saveMinerSnapshot,
  type TemplateSighting,
} from '../store/log-templates';

/** Before the miner has learned this many lines every template is new, so none is news. */
const linesBeforeNovelty = 2_000;
/** Sightings (last seen, counts in the miner) are saved at least this often while logs flow. */
const refreshMs = 10_000;

/**
 * Tags log records with their template at ingest. One online miner per ingest process (the
 * service name leads each line as the miner's source slot, never generalized, so templates
 * stay per service). Ids are only handed out durably: `persist()` must resolve before rows
 * carrying them commit, and it saves the miner whenever its templates changed.
 */
export class LogTemplateTagger {
  private readonly miner = new LogTemplateMiner({ sourceSlots: 1 });
  private lines = 0;
  private version = 0;
  private savedVersion = 0;
  private sightings = new Map<string, TemplateSighting>();
  private lastSaveAt: number;
  private saving: Promise<void> = Promise.resolve();
  private restoring: Promise<void> | undefined;
  private restored = false;

  constructor(
    private readonly pool: Pool,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSaveAt = now();
  }

  /**
   * Restores the saved miner, once; until then nothing can be tagged. Lazy, so receivers start
   * (and push back) while the database is away; a failed attempt is retried by the next call.
   */
  ready(): Promise<void> {
    this.restoring ??= loadMinerSnapshot(this.pool).then(
      (saved) => {
        if (saved) {
          this.miner.importState(saved.state);
          this.lines = saved.lines;
          this.version = this.savedVersion = saved.version;
        }
        this.restored = true;
      },
      (err: unknown) => {
        this.restoring = undefined;
        throw err;
      },
    );
    return this.restoring;
  }

  /** The record's template id (learning from it). */
  tag(service: string, body: string, severityNumber: number, timeUs: number): string {
    if (!this.restored) throw new Error('log templates used before ready()');
    const learned = this.miner.add(`${service} ${body}`);
    if (learned.changed) this.version++;
    const at = new Date(timeUs / 1000);
    const seen = this.sightings.get(learned.templateId);
    if (seen) {
      if (at > seen.lastSeen) seen.lastSeen = at;
      seen.template = learned.template;
    } else {
      this.sightings.set(learned.templateId, {
        templateId: learned.templateId,
        service,
        template: learned.template,
        firstSeen: at,
        lastSeen: at,
        severityNumber,
        novel: learned.isNew && this.lines >= linesBeforeNovelty,
      });
    }
    this.lines++;
    return learned.templateId;
  }

  /**
   * Resolves once every id handed out so far is saved. Cheap when nothing changed: saves only
   * when templates changed, or now and then to keep sightings current.
   */
  persist(): Promise<void> {
    const stale = this.sightings.size > 0 && this.now() - this.lastSaveAt >= refreshMs;
    if (this.version === this.savedVersion && !stale) return this.saving;
    return this.flush();
  }

  /** Saves whatever was learned since the last save (on shutdown: the line count too). */
  flush(): Promise<void> {
    // One save at a time, in order; a caller waits for the save that covers its ids.
    this.saving = this.saving.catch(() => undefined).then(() => this.save());
    return this.saving;
  }

  private async save(): Promise<void> {
    if (!this.restored) return;
    if (this.version === this.savedVersion && !this.sightings.size) return;
    // A snapshot with more lines but the same templates must still replace the stored one.
    const version = ++this.version;
    const sightings = this.sightings;
    this.sightings = new Map();
    try {
      await saveMinerSnapshot(
        this.pool,
        { state: this.miner.exportState(), lines: this.lines, version },
        [...sightings.values()],
      );
      this.savedVersion = Math.max(this.savedVersion, version);
      this.lastSaveAt = this.now();
    } catch (err) {
      // Keep what was sighted for the next attempt, merged with what came meanwhile.
      for (const [id, s] of sightings) {
        const later = this.sightings.get(id);
        if (later) {
          later.firstSeen = s.firstSeen < later.firstSeen ? s.firstSeen : later.firstSeen;
          later.severityNumber = s.severityNumber;
          later.novel = s.novel;
        } else this.sightings.set(id, s);
      }
      throw err;
    }
  }
}
