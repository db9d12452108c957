import { z } from 'zod';
import { defineRunbook, field } from './sdk';
import { stopQueries } from './postgres-queries';

/**
 * A slow or blocking query holding a service up: cancel its statement (the session lives on, its
 * client sees an error and may retry), after an approver saw the query and its plan.
 */
export const pgCancelSlowQueryV1 = defineRunbook({
  name: 'pg-cancel-slow-query',
  version: 1,
  title: 'Cancel slow or blocking PostgreSQL queries',
  risk: 'medium',
  kinds: ['latency', 'dependency'],
  incidentKinds: ['slow-query', 'blocking-query'],
  inputs: z.object({ database: field.database }),
  body: (rb, input) =>
    stopQueries(rb, {
      database: input.database,
      service: input.service,
      find: { minSeconds: 60, blockingOnly: false },
      mode: 'cancel',
      risk: 'medium',
    }),
});
