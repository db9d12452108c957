import neo4j from 'neo4j-driver';

/** Neo4j integers arrive as the driver's Integer type unless the driver was told otherwise. */
export function toNumber(value: unknown): number {
  return neo4j.isInt(value) ? value.toNumber() : Number(value);
}
