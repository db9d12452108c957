import { variablePosition } from './generalize';
import { defaultMinerOptions, type MinerOptions } from './options';
import { lineShape, type LineShape, type Slot } from './shape';
import { linePath, pathOf, Template } from './template';
import { templateIdFor } from './template-id';

export interface TemplateMatch {
  templateId: string;
  /** The template with its variables as `<*>`. */
  template: string;
  /** The values of the template's variables in this line, in order. */
  params: string[];
}

export interface AddResult extends TemplateMatch {
  /** True when this line introduced the template (its id was unknown before). */
  isNew: boolean;
  /** True when the line fit no template, so the miner's templates changed (new or merged). */
  changed: boolean;
}

export interface TemplateSummary {
  templateId: string;
  template: string;
  /** Lines learned into this template. */
  size: number;
}

/** Plain JSON, for persistence; `aliases` maps ids of merged templates to their survivor. */
export interface MinerState {
  version: 1;
  templates: { id: string; size: number; slots: Slot[]; tail: string }[];
  aliases: Record<string, string>;
}

/** Bounds the memory of the shape → cluster cache; it is rebuilt on demand. */
const maxCachedShapes = 100_000;

/** The lines that share a template; merged clusters point to the one that absorbed them. */
class Cluster {
  absorbedBy: Cluster | undefined;

  constructor(
    readonly id: string,
    public template: Template,
    public size: number,
  ) {}

  live(): Cluster {
    let survivor = this.absorbedBy;
    if (!survivor) return this;
    while (survivor.absorbedBy) survivor = survivor.absorbedBy;
    return survivor;
  }
}

/**
 * Online log template miner. Like Drain it files templates in a shallow parse tree (message
 * length, closing punctuation, source slots) and matches a line against the few templates on
 * its path; unlike Drain it needs no similarity threshold: values are masked by type and
 * context (maskers.ts, shape.ts), a line joins a template only when it has all of the
 * template's constants, and a position becomes a wildcard once the data shows it varies
 * (generalize.ts). One configuration serves every source (options.ts). Streaming: a line's
 * template depends only on the lines before it. Deterministic: the same lines in the same
 * order give the same templates and ids, and a miner restored from exportState() continues
 * exactly as the original would. A template keeps its id when it generalizes.
 */
export class LogTemplateMiner {
  /** Every cluster in creation order, merged ones included (for their ids). */
  private clusters: Cluster[] = [];
  private readonly byId = new Map<string, Cluster>();
  /** Live clusters by parse-tree path, oldest first. */
  private readonly paths = new Map<string, Cluster[]>();
  private readonly shapeCache = new Map<string, Cluster>();
  private readonly options: MinerOptions;

  constructor(options: Partial<MinerOptions> = {}) {
    this.options = { ...defaultMinerOptions, ...options };
  }

  /** Learns from a line and returns its template. */
  add(line: string): AddResult {
    const shape = lineShape(line, this.options);
    let cluster = this.find(shape);
    let isNew = false;
    const changed = !cluster;
    if (!cluster) {
      const created = this.create(shape);
      cluster = this.generalize(created);
      isNew = cluster === created;
    }
    cluster.size++;
    const { id, template } = cluster;
    const params = template.params(shape);
    return { templateId: id, template: template.text, params, isNew, changed };
  }

  /** The template of a line without learning from it; undefined when no template fits. */
  match(line: string): TemplateMatch | undefined {
    const shape = lineShape(line, this.options);
    const cluster = this.find(shape);
    if (!cluster) return undefined;
    const { id, template } = cluster;
    return { templateId: id, template: template.text, params: template.params(shape) };
  }

  /** The current id of a template id, following merges (undefined for an unknown id). */
  resolveId(id: string): string | undefined {
    return this.byId.get(id)?.live().id;
  }

  templates(): TemplateSummary[] {
    return this.liveClusters().map((c) => ({
      templateId: c.id,
      template: c.template.text,
      size: c.size,
    }));
  }

  exportState(): MinerState {
    const aliases: Record<string, string> = {};
    for (const cluster of this.clusters) {
      if (cluster.absorbedBy) aliases[cluster.id] = cluster.live().id;
    }
    return {
      version: 1,
      templates: this.liveClusters().map((c) => ({
        id: c.id,
        size: c.size,
        slots: c.template.slots.map((s) => ({ ...s })),
        tail: c.template.tail,
      })),
      aliases,
    };
  }

  /** Replaces everything learned with a saved state; ids are kept exactly. */
  importState(state: MinerState): void {
    if (state.version !== 1)
      throw new Error(`unsupported log miner state version ${state.version}`);
    this.clusters = [];
    this.byId.clear();
    this.paths.clear();
    this.shapeCache.clear();
    for (const saved of state.templates) {
      const slots = saved.slots.map((s) => ({ ...s }));
      this.register(new Cluster(saved.id, new Template(slots, saved.tail), saved.size));
    }
    for (const [alias, target] of Object.entries(state.aliases)) {
      const live = this.byId.get(target);
      if (!live) throw new Error(`log miner state: alias ${alias} points to unknown ${target}`);
      const merged = new Cluster(alias, live.template, 0);
      merged.absorbedBy = live;
      this.clusters.push(merged);
      this.byId.set(alias, merged);
    }
  }

  private liveClusters(): Cluster[] {
    return this.clusters.filter((c) => !c.absorbedBy);
  }

  /** The template with the most names among those the line matches, oldest on ties. */
  private find(shape: LineShape): Cluster | undefined {
    const cached = this.shapeCache.get(shape.key);
    if (cached) return cached.live();
    const { keys, path } = linePath(shape, this.options.sourceSlots);
    let best: Cluster | undefined;
    let bestNames = -1;
    for (const cluster of this.paths.get(path) ?? []) {
      const names = cluster.template.matchedNames(shape, keys);
      if (names > bestNames) {
        best = cluster;
        bestNames = names;
      }
    }
    if (best) this.cache(shape.key, best);
    return best;
  }

  private cache(key: string, cluster: Cluster): void {
    if (this.shapeCache.size >= maxCachedShapes) this.shapeCache.clear();
    this.shapeCache.set(key, cluster);
  }

  private create(shape: LineShape): Cluster {
    const template = Template.ofLine(shape);
    const id = templateIdFor(template.text, (candidate) => this.byId.has(candidate));
    const cluster = new Cluster(id, template, 0);
    this.register(cluster);
    this.cache(shape.key, cluster);
    return cluster;
  }

  private register(cluster: Cluster): void {
    this.clusters.push(cluster);
    this.byId.set(cluster.id, cluster);
    const path = this.pathOf(cluster.template);
    const onPath = this.paths.get(path);
    if (onPath) onPath.push(cluster);
    else this.paths.set(path, [cluster]);
  }

  private pathOf(template: Template): string {
    return pathOf(template.keys, template.tailCore, this.options.sourceSlots);
  }

  /**
   * Turns a position of a new cluster's template into a wildcard when the data shows it
   * varies (see variablePosition), and folds every cluster the generalized template subsumes
   * into the oldest of them, which keeps its id. Repeats while that enables more.
   */
  private generalize(cluster: Cluster): Cluster {
    const path = this.pathOf(cluster.template);
    for (;;) {
      const onPath = this.paths.get(path) ?? [];
      const position = variablePosition(cluster.template, onPath, this.options);
      if (position < 0) return cluster;
      const general = cluster.template.withWildcard(position);
      const members = onPath.filter((c) => general.subsumes(c.template));
      const survivor = members[0] as Cluster;
      survivor.template = general;
      for (const member of members.slice(1)) {
        member.absorbedBy = survivor;
        survivor.size += member.size;
      }
      this.paths.set(
        path,
        onPath.filter((c) => !c.absorbedBy),
      );
      // A cached line may now fit the generalized template better than the one it was
      // cached with; forgetting the cache keeps results independent of what was cached.
      this.shapeCache.clear();
      cluster = survivor;
    }
  }
}
