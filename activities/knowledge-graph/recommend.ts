import type { ManagedTransaction } from 'neo4j-driver';
import type { RunbookQuery, RunbookRecommendation, RunbookTally } from './types';
import { toNumber } from './values';

/**
 * Tallies runbook outcomes over past incidents with the same root-cause service and kind. The
 * recommendation is the runbook with the most successes (fewest failures breaks ties), and only
 * one that succeeded at least once: a runbook that only ever failed is no recommendation.
 */
export async function readRunbookTallies(
  tx: ManagedTransaction,
  query: RunbookQuery,
): Promise<RunbookRecommendation> {
  const result = await tx.run(
    `MATCH (i:Incident)-[:ROOT_CAUSE {kind: $kind}]->(:Service {name: $service})
     MATCH (i)-[r:REMEDIATED_BY]->(rb:Runbook)
     WITH rb.name AS runbook,
          count(CASE WHEN r.outcome = 'succeeded' THEN 1 END) AS successes,
          count(CASE WHEN r.outcome IN ['failed', 'rolled_back'] THEN 1 END) AS failures
     WHERE successes + failures > 0
     RETURN runbook, successes, failures
     ORDER BY successes DESC, failures ASC, runbook ASC`,
    { service: query.service, kind: query.kind },
  );
  const tallies = result.records.map((r): RunbookTally => ({
    runbook: String(r.get('runbook')),
    successes: toNumber(r.get('successes')),
    failures: toNumber(r.get('failures')),
  }));
  const best = tallies[0];
  return best && best.successes > 0 ? { recommended: best, tallies } : { tallies };
}
