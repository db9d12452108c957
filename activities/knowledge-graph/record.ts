import { createHash } from 'node:crypto';
import neo4j, { type ManagedTransaction } from 'neo4j-driver';
import { symptomKey } from './similarity';
import type { IncidentGraphRecord, ServiceGraphInput } from './types';

/** A fault pattern's identity: the hash of its sorted symptom set. */
export function faultPatternSignature(symptoms: readonly string[]): string {
  return createHash('sha256').update(symptoms.join('\n')).digest('hex').slice(0, 32);
}

/**
 * Writes one finished incident as a snapshot: the node is MERGEd on its id and its outgoing
 * relations are replaced, so recording the same incident again (an activity retry, a later
 * correction) leaves exactly one node with the latest facts.
 */
export async function writeIncident(
  tx: ManagedTransaction,
  record: IncidentGraphRecord,
): Promise<void> {
  const id = record.incidentId;
  await tx.run(
    `MERGE (i:Incident {id: $id})
     SET i.fingerprint = $fingerprint, i.severity = $severity, i.openedAt = datetime($openedAt),
         i.resolvedAt = datetime($resolvedAt), i.summary = $summary
     WITH i
     OPTIONAL MATCH (i)-[old:AFFECTED|ROOT_CAUSE|MATCHES|REMEDIATED_BY]->()
     DELETE old`,
    {
      id,
      fingerprint: record.fingerprint,
      severity: record.severity,
      openedAt: record.openedAt,
      resolvedAt: record.resolvedAt ?? null,
      summary: record.summary ?? null,
    },
  );
  await tx.run(
    `MATCH (i:Incident {id: $id})
     UNWIND $services AS name
     MERGE (s:Service {name: name})
     MERGE (i)-[:AFFECTED]->(s)`,
    { id, services: [...new Set(record.services)] },
  );
  const symptoms = [...new Set(record.symptoms.map(symptomKey))].sort();
  if (symptoms.length > 0) {
    await tx.run(
      `MATCH (i:Incident {id: $id})
       MERGE (p:FaultPattern {signature: $signature})
       ON CREATE SET p.symptoms = $symptoms
       MERGE (i)-[:MATCHES]->(p)`,
      { id, signature: faultPatternSignature(symptoms), symptoms },
    );
  }
  if (record.rootCause) {
    await tx.run(
      `MATCH (i:Incident {id: $id})
       MERGE (s:Service {name: $service})
       CREATE (i)-[:ROOT_CAUSE {kind: $kind, score: $score}]->(s)`,
      { id, ...record.rootCause },
    );
  }
  await tx.run(
    `MATCH (i:Incident {id: $id})
     UNWIND $remediations AS r
     MERGE (rb:Runbook {name: r.runbook})
     CREATE (i)-[:REMEDIATED_BY {attempt: r.attempt, version: r.version, outcome: r.outcome,
                                 approvedBy: r.approvedBy}]->(rb)`,
    {
      id,
      // JS numbers travel as floats; attempt and version are integers in the graph.
      remediations: record.remediations.map((r, attempt) => ({
        ...r,
        attempt: neo4j.int(attempt),
        version: neo4j.int(r.version),
      })),
    },
  );
}

/** MERGEs the call edges; lastSeenAt only moves forward, so replays change nothing. */
export async function writeServiceGraph(
  tx: ManagedTransaction,
  input: ServiceGraphInput,
): Promise<void> {
  await tx.run(
    `UNWIND $calls AS c
     MERGE (a:Service {name: c.caller})
     MERGE (b:Service {name: c.callee})
     MERGE (a)-[e:CALLS]->(b)
     WITH e, datetime($observedAt) AS seen
     SET e.lastSeenAt = CASE WHEN e.lastSeenAt IS NULL OR e.lastSeenAt < seen
                             THEN seen ELSE e.lastSeenAt END`,
    { calls: input.calls, observedAt: input.observedAt },
  );
}
