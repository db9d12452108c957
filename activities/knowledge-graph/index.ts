import type { Driver, Session } from 'neo4j-driver';
import { whenAvailable } from './availability';
import { readRunbookTallies } from './recommend';
import { writeIncident, writeServiceGraph } from './record';
import { ensureGraphSchema } from './schema';
import { readSimilarIncidents } from './similar';
import type {
  GraphAnswer,
  IncidentGraphRecord,
  RunbookQuery,
  RunbookRecommendation,
  ServiceGraphInput,
  SimilarIncident,
  SimilarIncidentsQuery,
} from './types';

export { createGraphDriver } from './driver';
export type * from './types';

export interface KnowledgeGraphDeps {
  /** Unset: no knowledge graph is configured, and every activity says so. */
  neo4j?: Driver;
  /** Defaults to the server's default database. */
  neo4jDatabase?: string;
}

/** The knowledge graph of services, past incidents, fault patterns and runbook outcomes. */
export function createKnowledgeGraphActivities({ neo4j, neo4jDatabase }: KnowledgeGraphDeps) {
  let schema: Promise<void> | undefined;

  /** Runs `work` in a session once the schema exists; unavailability becomes an answer. */
  async function withGraph<T extends object>(
    work: (session: Session) => Promise<T>,
  ): Promise<GraphAnswer<T>> {
    if (!neo4j) return { available: false, reason: 'no knowledge graph configured' };
    const driver = neo4j;
    return whenAvailable(async () => {
      // Once per worker; a failed attempt is forgotten so the next activity tries again.
      schema ??= ensureGraphSchema(driver, neo4jDatabase).catch((err: unknown) => {
        schema = undefined;
        throw err;
      });
      await schema;
      const session = driver.session({ database: neo4jDatabase });
      try {
        return await work(session);
      } finally {
        await session.close();
      }
    });
  }

  return {
    /** Records a finished incident (idempotent: a snapshot MERGEd on the incident id). */
    recordIncidentInGraph(
      record: IncidentGraphRecord,
    ): Promise<GraphAnswer<{ incidentId: string }>> {
      return withGraph(async (session) => {
        await session.executeWrite((tx) => writeIncident(tx, record));
        return { incidentId: record.incidentId };
      });
    },

    /** Records observed service calls as CALLS edges (idempotent MERGE). */
    recordServiceGraph(input: ServiceGraphInput): Promise<GraphAnswer<{ calls: number }>> {
      return withGraph(async (session) => {
        await session.executeWrite((tx) => writeServiceGraph(tx, input));
        return { calls: input.calls.length };
      });
    },

    /** Past incidents most like this one, best first. */
    findSimilarIncidents(
      query: SimilarIncidentsQuery,
    ): Promise<GraphAnswer<{ incidents: SimilarIncident[] }>> {
      return withGraph(async (session) => ({
        incidents: await session.executeRead((tx) => readSimilarIncidents(tx, query)),
      }));
    },

    /** The runbook that most often fixed past incidents with this root-cause service and kind. */
    recommendRunbook(query: RunbookQuery): Promise<GraphAnswer<RunbookRecommendation>> {
      return withGraph((session) => session.executeRead((tx) => readRunbookTallies(tx, query)));
    },
  };
}

export type KnowledgeGraphActivities = ReturnType<typeof createKnowledgeGraphActivities>;
