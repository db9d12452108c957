import pg from 'pg';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActionRequest, ActionResult } from '../../runbooks/sdk/types';
import { explain, findBackends, signalBackends, stillRunning, type Backend } from './sessions';

export type { Backend } from './sessions';

/** The databases runbooks may act on, by name (connection URLs stay in the worker's config). */
export interface PostgresSettings {
  databases: Record<string, string>;
  /**
   * Service → database name, for services whose client spans do not carry `db.namespace`
   * (or `db.name`): which of the databases their PostgreSQL calls go to.
   */
  services?: Record<string, string>;
}

export interface FoundQuery extends Backend {
  plan: string;
}

export interface QueryTarget {
  pid: number;
  backendStart: string;
  queryStart: string;
}

/** Enough of each query for an approver to recognise it, small enough for a workflow payload. */
const shownQueryChars = 500;
const shownPlanChars = 1500;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function describeQuery(q: FoundQuery): string {
  const blocking = q.blocking > 0 ? `, blocking ${q.blocking}` : '';
  return `pid ${q.pid} (${q.user}, ${q.state}, ${Math.round(q.seconds)} s${blocking}): ${q.query}\nplan:\n${q.plan}`;
}

/** PostgreSQL actions on allow-listed databases. */
export function createPostgresActivities({ postgres }: { postgres?: PostgresSettings }) {
  async function connect(database: string): Promise<pg.Client> {
    const url = postgres?.databases[database];
    if (!url)
      throw ApplicationFailure.nonRetryable(
        `database ${database} is not among the configured ones (${Object.keys(postgres?.databases ?? {}).join(', ') || 'none'})`,
        'NotConfigured',
      );
    const client = new pg.Client({
      connectionString: url,
      application_name: 'aiops-remediation',
      statement_timeout: 10_000,
    });
    await client.connect();
    return client;
  }

  return {
    /**
     * Read-only: the queries running longer than `minSeconds` or blocking others, most blocking
     * first, each with its text and plan (for the approval request). Nothing to undo.
     */
    async pgFindQueries({
      params,
    }: ActionRequest<{
      database: string;
      minSeconds: number;
      blockingOnly?: boolean;
      max?: number;
    }>): Promise<ActionResult<{ queries: FoundQuery[] }>> {
      const client = await connect(params.database);
      try {
        const found = await findBackends(client, {
          minSeconds: params.minSeconds,
          blockingOnly: params.blockingOnly ?? false,
          max: params.max ?? 5,
        });
        const queries: FoundQuery[] = [];
        for (const [i, b] of found.entries()) {
          queries.push({
            ...b,
            query: clip(b.query, shownQueryChars),
            plan: clip(await explain(client, b.query, i), shownPlanChars),
          });
        }
        const summary =
          queries.length === 0
            ? `no query on ${params.database} runs over ${params.minSeconds} s or blocks another`
            : `${queries.length} on ${params.database}: ${queries.map(describeQuery).join('\n')}`;
        return { summary, changed: false, details: { queries } };
      } finally {
        await client.end();
      }
    },

    /**
     * Cancels each query (`cancel`: its statement fails, its session lives) or ends its session
     * (`terminate`: for an idle transaction holding locks), only if the backend still runs what
     * was found and approved. Idempotent: a retry finds them ended and changes nothing. Cannot
     * be undone: the statement's transaction rolled back, and only its client can run it again.
     */
    async pgCancelQueries({
      params,
    }: ActionRequest<{
      database: string;
      queries: QueryTarget[];
      mode: 'cancel' | 'terminate';
    }>): Promise<ActionResult<{ signalled: number[]; gone: number[] }>> {
      const client = await connect(params.database);
      const ctx = Context.current();
      try {
        const { signalled, gone } = await signalBackends(client, params.queries, params.mode);
        // A signal is handled at the backend's next interrupt check: wait until it took effect.
        let left = await stillRunning(client, params.queries, params.mode);
        for (let i = 0; left.length > 0 && i < 20; i++) {
          ctx.heartbeat();
          await ctx.sleep(250);
          left = await stillRunning(client, params.queries, params.mode);
        }
        if (left.length > 0)
          throw ApplicationFailure.retryable(
            `pid ${left.join(', ')} on ${params.database} still running after ${params.mode}`,
          );
        const verb = params.mode === 'cancel' ? 'cancelled the query of' : 'terminated';
        const summary = [
          signalled.length > 0 ? `${verb} pid ${signalled.join(', ')} on ${params.database}` : '',
          gone.length > 0 ? `pid ${gone.join(', ')} had already ended` : '',
        ]
          .filter(Boolean)
          .join('; ');
        return { summary, changed: signalled.length > 0, details: { signalled, gone } };
      } finally {
        await client.end();
      }
    },
  };
}
