import type { FoundQuery } from '../activities/postgres';
import { action, irreversible, type RunbookContext } from './sdk';
import { onCallApproval } from './gates';

/** What planning shows where no database is at hand (`aiops runbooks show`). */
const exampleQuery: FoundQuery = {
  pid: 4242,
  user: 'payments',
  application: 'payment-service',
  state: 'active',
  seconds: 312,
  blocking: 3,
  backendStart: '2026-01-01 00:00:00+00',
  queryStart: '2026-01-01 00:00:00+00',
  query: 'UPDATE accounts SET balance = balance - $1 WHERE id = $2',
  plan: 'Update on accounts\n  ->  Index Scan using accounts_pkey on accounts',
};

const clipped = (text: string) => (text.length > 120 ? `${text.slice(0, 120)}…` : text);

/**
 * Finds the queries to stop on `database` (their text and plan go to the approvers), asks, stops
 * exactly those (`cancel`: the statement; `terminate`: the session), then verifies the service.
 * Finding none, it stops nothing and says so.
 */
export async function stopQueries(
  rb: RunbookContext,
  o: {
    database: string;
    service: string;
    find: { minSeconds: number; blockingOnly: boolean };
    mode: 'cancel' | 'terminate';
    risk: 'medium' | 'high';
  },
): Promise<void> {
  const what = o.find.blockingOnly
    ? 'sessions blocking other queries'
    : `queries running over ${o.find.minSeconds} s or blocking others`;
  const { queries } = await rb.inspect({
    name: 'find-queries',
    describe: `find the ${what} on ${o.database}, with their text and plan`,
    timeout: '1 minute',
    action: action('pgFindQueries', { database: o.database, ...o.find }),
    example: { queries: [exampleQuery] },
  });
  if (queries.length === 0) {
    await rb.step({
      name: 'notify-nothing-found',
      describe: `tell the incident channel no ${what} were found on ${o.database}`,
      risk: 'low',
      timeout: '1 minute',
      action: action('notifyChannel', {
        text: `No ${what} on ${o.database}; nothing was stopped. ${o.service} needs a human look.`,
      }),
      undo: irreversible('a message changes nothing'),
    });
    return;
  }
  const verb = o.mode === 'cancel' ? 'Cancel' : 'Terminate the session of';
  const shown = queries.map((q) => `pid ${q.pid}: ${clipped(q.query)}`).join('; ');
  await rb.approval(
    onCallApproval('approve', `${verb} ${queries.length} on ${o.database}: ${shown}`),
  );
  await rb.step({
    name: `${o.mode}-queries`,
    describe: `${verb.toLowerCase()} pid ${queries.map((q) => q.pid).join(', ')} on ${o.database}, if each still runs what was found`,
    risk: o.risk,
    timeout: '1 minute',
    action: action('pgCancelQueries', {
      database: o.database,
      mode: o.mode,
      queries: queries.map(({ pid, backendStart, queryStart }) => ({
        pid,
        backendStart,
        queryStart,
      })),
    }),
    undo: irreversible('the stopped transaction rolled back; only its client can run it again'),
  });
  await rb.verify({ service: o.service, within: '10 minutes' });
}
