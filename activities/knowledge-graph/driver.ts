import neo4j, { type Driver } from 'neo4j-driver';

export interface GraphConnection {
  uri: string;
  user: string;
  password: string;
}

/**
 * A driver for the knowledge-graph activities. The driver's defaults (30 s connect, 30 s of
 * transaction retries) would stall an investigation for a minute when Neo4j is down; the graph
 * is advisory, so it gives up after a few seconds and the activities answer `available: false`.
 * Connections are made lazily: creating the driver never fails on an unreachable server.
 */
export function createGraphDriver({ uri, user, password }: GraphConnection): Driver {
  return neo4j.driver(uri, neo4j.auth.basic(user, password), {
    connectionTimeout: 5_000,
    connectionAcquisitionTimeout: 10_000,
    maxTransactionRetryTime: 2_000,
    disableLosslessIntegers: true,
  });
}
