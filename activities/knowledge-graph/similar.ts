import neo4j, { type ManagedTransaction } from 'neo4j-driver';
import { similarity, symptomKey } from './similarity';
import type { ServiceCall, SimilarIncident, SimilarIncidentsQuery } from './types';
import { toNumber } from './values';

/** Past incidents scored per query, at most: those sharing the most services, newest first. */
const candidateLimit = 200;

interface CandidateRow {
  incidentId: string;
  openedAt: string;
  services: string[];
  symptoms: string[];
  summary: string | null;
  rootCause: { service: string; kind: string; score: unknown } | null;
  remediations: {
    runbook: string;
    version: unknown;
    outcome: SimilarIncident['remediations'][number]['outcome'];
  }[];
}

/**
 * Finds past incidents like the query: a bounded candidate set is read in Cypher (incidents
 * that touched one of the query's services), then scored in TypeScript (see similarity.ts).
 */
export async function readSimilarIncidents(
  tx: ManagedTransaction,
  query: SimilarIncidentsQuery,
): Promise<SimilarIncident[]> {
  const names = [
    ...new Set([...query.services, ...(query.rootCauseService ? [query.rootCauseService] : [])]),
  ];
  const result = await tx.run(
    `MATCH (i:Incident)-[:AFFECTED|ROOT_CAUSE]->(s:Service)
     WHERE s.name IN $names AND ($exclude IS NULL OR i.id <> $exclude)
     WITH i, count(DISTINCT s) AS overlap
     ORDER BY overlap DESC, i.openedAt DESC
     LIMIT $candidateLimit
     OPTIONAL MATCH (i)-[rem:REMEDIATED_BY]->(rb:Runbook)
     WITH i, rem, rb ORDER BY rem.attempt
     WITH i, collect(CASE WHEN rb IS NULL THEN null
                          ELSE {runbook: rb.name, version: rem.version, outcome: rem.outcome} END)
             AS remediations
     RETURN i.id AS incidentId, toString(i.openedAt) AS openedAt, i.summary AS summary,
            [(i)-[:AFFECTED]->(a) | a.name] AS services,
            coalesce(head([(i)-[:MATCHES]->(p) | p.symptoms]), []) AS symptoms,
            head([(i)-[rc:ROOT_CAUSE]->(r) | {service: r.name, kind: rc.kind, score: rc.score}])
              AS rootCause,
            remediations`,
    { names, exclude: query.excludeIncidentId ?? null, candidateLimit: neo4j.int(candidateLimit) },
  );
  const candidates = result.records.map((r) => r.toObject() as unknown as CandidateRow);
  const involved = [...new Set([...names, ...candidates.flatMap((c) => c.services)])];
  const calls = (
    await tx.run(
      `MATCH (a:Service)-[:CALLS]->(b:Service)
       WHERE a.name IN $involved AND b.name IN $involved
       RETURN a.name AS caller, b.name AS callee`,
      { involved },
    )
  ).records.map((r) => r.toObject() as unknown as ServiceCall);

  const shape = {
    services: query.services,
    symptoms: query.symptoms.map(symptomKey),
    ...(query.rootCauseService ? { rootCauseService: query.rootCauseService } : {}),
  };
  const queried = new Set(query.services);
  return candidates
    .map((c): SimilarIncident => ({
      incidentId: c.incidentId,
      score: similarity(
        shape,
        {
          services: c.services,
          symptoms: c.symptoms,
          ...(c.rootCause ? { rootCauseService: c.rootCause.service } : {}),
        },
        calls,
      ),
      openedAt: c.openedAt,
      sharedServices: c.services.filter((s) => queried.has(s)).sort(),
      ...(c.rootCause
        ? {
            rootCause: {
              service: c.rootCause.service,
              kind: c.rootCause.kind,
              score: toNumber(c.rootCause.score),
            },
          }
        : {}),
      remediations: c.remediations.map((r) => ({
        runbook: r.runbook,
        version: toNumber(r.version),
        outcome: r.outcome,
      })),
      ...(c.summary ? { summary: c.summary } : {}),
    }))
    .filter((c) => c.score > 0)
    .sort((a, b) => b.score - a.score || b.openedAt.localeCompare(a.openedAt))
    .slice(0, query.limit);
}
