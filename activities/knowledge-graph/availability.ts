import type { GraphAnswer } from './types';

export function neo4jErrorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

/**
 * Errors that mean "the graph cannot be consulted right now" (down, unreachable, refusing our
 * credentials, database offline), as opposed to a bug in a query, which must stay loud.
 */
export function isGraphUnavailable(err: unknown): boolean {
  const code = neo4jErrorCode(err) ?? '';
  return (
    code === 'ServiceUnavailable' ||
    code === 'SessionExpired' ||
    code.startsWith('Neo.ClientError.Security.') ||
    code.startsWith('Neo.TransientError.') ||
    code === 'Neo.ClientError.Database.DatabaseNotFound'
  );
}

/** Runs `work` against the graph, turning unavailability into an answer instead of a failure. */
export async function whenAvailable<T extends object>(
  work: () => Promise<T>,
): Promise<GraphAnswer<T>> {
  try {
    return { available: true, ...(await work()) };
  } catch (err) {
    if (!isGraphUnavailable(err)) throw err;
    return { available: false, reason: `knowledge graph unreachable: ${shortReason(err)}` };
  }
}

/** The driver's connection errors carry a paragraph of advice; the cause is what matters. */
function shortReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return /Caused by: (.+)/.exec(message)?.[1] ?? message.split('\n')[0] ?? message;
}
