import { createHash } from 'node:crypto';
import type { Pool } from './db';

/** One resource + instrumentation scope, as stored in telemetry_sources. */
export interface SourceEntry {
  /** Canonical text of every field below; identifies the source (its hash is the fingerprint). */
  key: string;
  resource: string; // JSON object
  resourceSchemaUrl: string | null;
  scopeName: string | null;
  scopeVersion: string | null;
  scopeAttributes: string | null; // JSON object
  scopeSchemaUrl: string | null;
  droppedAttributes: number | null;
}

export interface MetricEntry {
  name: string;
  type: number;
  unit: string;
  description: string;
  temporality: number | null;
  monotonic: boolean | null;
}

export interface OperationEntry {
  serviceId: number;
  kind: number;
  name: string;
}

/** Names a request needs ids for; `resolve` fetches the ones not cached yet. */
export interface DictionaryNeeds {
  services: Set<string>;
  /** `key` is operationKey(serviceName, kind, name), built once by the caller. */
  operations: { key: string; serviceName: string; kind: number; name: string }[];
  metrics: MetricEntry[];
  sources: SourceEntry[];
  /** The tenant the sender's token names: part of every source's identity. */
  tenant?: string;
}

export const operationKey = (serviceName: string, kind: number, name: string) =>
  `${serviceName}\u0000${kind}\u0000${name}`;
export const metricKey = (m: { name: string; type: number; unit: string }) =>
  `${m.name}\u0000${m.type}\u0000${m.unit}`;

/** The ids one request needs, captured when resolved (the shared cache may be cleared later). */
export class ResolvedIds {
  readonly services = new Map<string, number>();
  readonly operations = new Map<string, number>();
  readonly metrics = new Map<string, number>();
  readonly sources = new Map<string, number>();

  serviceId(name: string): number {
    return required(this.services.get(name), name);
  }
  /** By operationKey(serviceName, kind, name). */
  operationId(key: string): number {
    return required(this.operations.get(key), key);
  }
  metricId(m: MetricEntry): number {
    return required(this.metrics.get(metricKey(m)), m.name);
  }
  sourceId(key: string): number {
    return required(this.sources.get(key), 'source');
  }
}

function required(id: number | undefined, what: string): number {
  if (id === undefined) throw new Error(`no dictionary id resolved for ${what}`);
  return id;
}

/**
 * Small integer ids for names repeated on every row (services, operations, metrics, sources),
 * cached in memory. Ids are created with INSERT … ON CONFLICT DO NOTHING; a name another writer
 * is inserting at the same moment is picked up by the next attempt.
 */
export class TelemetryDictionaries {
  private readonly cache = new ResolvedIds();

  constructor(
    private readonly pool: Pool,
    /** A cache this large is cleared rather than grown: bounded memory under name explosions. */
    private readonly maxCached = 200_000,
  ) {}

  async resolve(needs: DictionaryNeeds): Promise<ResolvedIds> {
    const ids = new ResolvedIds();
    const services = this.fromCache([...needs.services], (n) => n, 'services', ids);
    if (services.length) await this.resolveServices(services, ids);
    const operations = this.fromCache(needs.operations, (o) => o.key, 'operations', ids);
    if (operations.length) await this.resolveOperations(operations, ids);
    const metrics = this.fromCache(needs.metrics, metricKey, 'metrics', ids);
    if (metrics.length) await this.resolveMetrics(metrics, ids);
    // The same resource sent by two tenants is two sources; ids are still looked up by key.
    const tenant = needs.tenant ?? null;
    const sourceKey = (key: string) => (tenant === null ? key : `${tenant}\u0000${key}`);
    const sources = this.fromCache(needs.sources, (s) => s.key, 'sources', ids, sourceKey);
    if (sources.length) await this.resolveSources(sources, tenant, sourceKey, ids);
    return ids;
  }

  /** Copies cached ids into `ids`; returns the distinct entries still missing. */
  private fromCache<T>(
    items: T[],
    key: (t: T) => string,
    kind: 'services' | 'operations' | 'metrics' | 'sources',
    ids: ResolvedIds,
    cacheKey: (key: string) => string = (k) => k,
  ): T[] {
    const missing = new Map<string, T>();
    for (const item of items) {
      const k = key(item);
      const id = this.cache[kind].get(cacheKey(k));
      if (id !== undefined) ids[kind].set(k, id);
      else missing.set(k, item);
    }
    return [...missing.values()];
  }

  private learn(
    kind: 'services' | 'operations' | 'metrics' | 'sources',
    key: string,
    id: number,
    ids: ResolvedIds,
    cacheKey: string = key,
  ) {
    const cache = this.cache[kind];
    if (cache.size >= this.maxCached) cache.clear();
    cache.set(cacheKey, id);
    ids[kind].set(key, id);
  }

  private async resolveServices(names: string[], ids: ResolvedIds) {
    await untilResolved(
      names,
      (n) => ids.services.has(n),
      async (missing) => {
        const { rows } = await this.pool.query<{ id: number; name: string }>(
          `WITH input AS (SELECT DISTINCT unnest($1::text[]) AS name),
         ins AS (INSERT INTO services (name) SELECT name FROM input
                 ON CONFLICT (name) DO NOTHING RETURNING id, name)
         SELECT id, name FROM ins UNION ALL SELECT s.id, s.name FROM services s JOIN input USING (name)`,
          [missing],
        );
        for (const r of rows) this.learn('services', r.name, r.id, ids);
      },
    );
  }

  private async resolveOperations(ops: DictionaryNeeds['operations'], ids: ResolvedIds) {
    const byRow = new Map(
      ops.map((o) => [`${ids.serviceId(o.serviceName)}\u0000${o.kind}\u0000${o.name}`, o.key]),
    );
    await untilResolved(
      ops,
      (o) => ids.operations.has(o.key),
      async (missing) => {
        const { rows } = await this.pool.query<OperationEntry & { id: number }>(
          `WITH input AS (SELECT DISTINCT * FROM unnest($1::int4[], $2::int2[], $3::text[])
                            AS u(service_id, kind, name)),
           ins AS (INSERT INTO operations (service_id, kind, name) SELECT * FROM input
                   ON CONFLICT (service_id, kind, name) DO NOTHING
                   RETURNING id, service_id, kind, name)
           SELECT id, service_id AS "serviceId", kind, name FROM ins
           UNION ALL
           SELECT o.id, o.service_id, o.kind, o.name FROM operations o
             JOIN input i ON i.service_id = o.service_id AND i.kind = o.kind AND i.name = o.name`,
          [
            missing.map((o) => ids.serviceId(o.serviceName)),
            missing.map((o) => o.kind),
            missing.map((o) => o.name),
          ],
        );
        for (const r of rows) {
          const key = byRow.get(`${r.serviceId}\u0000${r.kind}\u0000${r.name}`);
          if (key !== undefined) this.learn('operations', key, r.id, ids);
        }
      },
    );
  }

  private async resolveMetrics(metrics: MetricEntry[], ids: ResolvedIds) {
    await untilResolved(
      metrics,
      (m) => ids.metrics.has(metricKey(m)),
      async (missing) => {
        const { rows } = await this.pool.query<{
          id: number;
          name: string;
          type: number;
          unit: string;
        }>(
          `WITH input AS (SELECT * FROM unnest($1::text[], $2::int2[], $3::text[], $4::text[],
                          $5::int2[], $6::bool[]) AS u(name, type, unit, description, temporality, monotonic)),
         ins AS (INSERT INTO metrics (name, type, unit, description, temporality, monotonic)
                 SELECT * FROM input ON CONFLICT (name, type, unit) DO NOTHING
                 RETURNING id, name, type, unit)
         SELECT id, name, type, unit FROM ins
         UNION ALL
         SELECT m.id, m.name, m.type, m.unit FROM metrics m
           JOIN input i ON i.name = m.name AND i.type = m.type AND i.unit = m.unit`,
          [
            missing.map((m) => m.name),
            missing.map((m) => m.type),
            missing.map((m) => m.unit),
            missing.map((m) => m.description),
            missing.map((m) => m.temporality),
            missing.map((m) => m.monotonic),
          ],
        );
        for (const r of rows) this.learn('metrics', metricKey(r), r.id, ids);
      },
    );
  }

  private async resolveSources(
    sources: SourceEntry[],
    tenant: string | null,
    sourceKey: (key: string) => string,
    ids: ResolvedIds,
  ) {
    const print = (s: SourceEntry) => fingerprint(sourceKey(s.key));
    const byFingerprint = new Map(sources.map((s) => [print(s).toString('hex'), s]));
    await untilResolved(
      sources,
      (s) => ids.sources.has(s.key),
      async (missing) => {
        const { rows } = await this.pool.query<{ id: string; fingerprint: Buffer }>(
          `WITH input AS (SELECT * FROM unnest($1::bytea[], $2::jsonb[], $3::text[], $4::text[],
                          $5::text[], $6::jsonb[], $7::text[], $8::int4[])
                          AS u(fingerprint, resource, resource_schema_url, scope_name,
                               scope_version, scope_attributes, scope_schema_url, dropped_attributes)),
         ins AS (INSERT INTO telemetry_sources (fingerprint, resource, resource_schema_url,
                   scope_name, scope_version, scope_attributes, scope_schema_url, dropped_attributes,
                   tenant)
                 SELECT *, $9::text FROM input ON CONFLICT (fingerprint) DO NOTHING RETURNING id, fingerprint)
         SELECT id, fingerprint FROM ins
         UNION ALL
         SELECT s.id, s.fingerprint FROM telemetry_sources s JOIN input USING (fingerprint)`,
          [
            missing.map(print),
            missing.map((s) => s.resource),
            missing.map((s) => s.resourceSchemaUrl),
            missing.map((s) => s.scopeName),
            missing.map((s) => s.scopeVersion),
            missing.map((s) => s.scopeAttributes),
            missing.map((s) => s.scopeSchemaUrl),
            missing.map((s) => s.droppedAttributes),
            tenant,
          ],
        );
        for (const r of rows) {
          const source = byFingerprint.get(r.fingerprint.toString('hex'));
          if (source) {
            this.learn('sources', source.key, Number(r.id), ids, sourceKey(source.key));
          }
        }
      },
    );
  }
}

function fingerprint(key: string): Buffer {
  return createHash('sha256').update(key).digest().subarray(0, 16);
}

async function untilResolved<T>(
  items: T[],
  isResolved: (t: T) => boolean,
  attempt: (missing: T[]) => Promise<void>,
) {
  for (let i = 0; i < 5; i++) {
    const missing = items.filter((t) => !isResolved(t));
    if (!missing.length) return;
    await attempt(missing);
  }
  if (items.some((t) => !isResolved(t))) throw new Error('could not resolve dictionary ids');
}
