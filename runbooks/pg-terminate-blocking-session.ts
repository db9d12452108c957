import { z } from 'zod';
import { defineRunbook, field } from './sdk';
import { stopQueries } from './postgres-queries';

/**
 * A session holding locks others wait on, often idle in a transaction its client forgot (a
 * cancel does nothing there): end the session. High risk, so two people approve by default.
 */
export const pgTerminateBlockingSessionV1 = defineRunbook({
  name: 'pg-terminate-blocking-session',
  version: 1,
  title: 'Terminate PostgreSQL sessions that block others',
  risk: 'high',
  incidentKinds: ['blocking-query'],
  inputs: z.object({ database: field.database }),
  body: (rb, input) =>
    stopQueries(rb, {
      database: input.database,
      service: input.service,
      find: { minSeconds: 0, blockingOnly: true },
      mode: 'terminate',
      risk: 'high',
    }),
});
