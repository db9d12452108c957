import type { Driver } from 'neo4j-driver';
import { neo4jErrorCode } from './availability';

/**
 * Uniqueness constraints (each also an index) for every MERGE key, and an index for the
 * time-ordered candidate scan. `IF NOT EXISTS` makes this idempotent; two workers racing on
 * an empty database may still see "equivalent rule exists", which means the same thing.
 */
const statements = [
  'CREATE CONSTRAINT service_name IF NOT EXISTS FOR (s:Service) REQUIRE s.name IS UNIQUE',
  'CREATE CONSTRAINT incident_id IF NOT EXISTS FOR (i:Incident) REQUIRE i.id IS UNIQUE',
  'CREATE CONSTRAINT runbook_name IF NOT EXISTS FOR (r:Runbook) REQUIRE r.name IS UNIQUE',
  'CREATE CONSTRAINT fault_pattern_signature IF NOT EXISTS FOR (p:FaultPattern) REQUIRE p.signature IS UNIQUE',
  'CREATE INDEX incident_opened_at IF NOT EXISTS FOR (i:Incident) ON (i.openedAt)',
];

export async function ensureGraphSchema(driver: Driver, database?: string): Promise<void> {
  for (const statement of statements) {
    try {
      await driver.executeQuery(statement, {}, { database });
    } catch (err) {
      if (neo4jErrorCode(err) !== 'Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists') {
        throw err;
      }
    }
  }
}
