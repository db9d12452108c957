import pg from 'pg';

/** One backend as pg_stat_activity shows it; the start times identify it (pids are reused). */
export interface Backend {
  pid: number;
  user: string;
  application: string;
  state: string;
  /** Seconds since its transaction (or, outside one, its query) began. */
  seconds: number;
  /** The other backends waiting on its locks. */
  blocking: number;
  backendStart: string;
  queryStart: string;
  query: string;
}

/** Backends of this database, other than ours, older than `minSeconds` or blocking others. */
const findSql = `
  select a.pid, coalesce(a.usename, '') as "user", a.application_name as application, a.state,
         extract(epoch from now() - coalesce(a.xact_start, a.query_start))::float8 as seconds,
         (select count(*) from pg_stat_activity w where a.pid = any(pg_blocking_pids(w.pid)))::int
           as blocking,
         a.backend_start::text as "backendStart", a.query_start::text as "queryStart", a.query
    from pg_stat_activity a
   where a.datname = current_database() and a.pid <> pg_backend_pid()
     and a.backend_type = 'client backend' and a.state is distinct from 'idle'
     and a.query_start is not null`;

export async function findBackends(
  client: pg.Client,
  o: { minSeconds: number; blockingOnly: boolean; max: number },
): Promise<Backend[]> {
  const { rows } = await client.query<Backend>(findSql);
  return rows
    .filter((b) => (o.blockingOnly ? b.blocking > 0 : b.blocking > 0 || b.seconds >= o.minSeconds))
    .sort((a, b) => b.blocking - a.blocking || b.seconds - a.seconds)
    .slice(0, o.max);
}

/**
 * The planner's plan for a query as pg_stat_activity shows it, or why there is none. It never
 * runs the query: EXPLAIN without ANALYZE, as one prepared statement (the extended protocol
 * refuses a second statement hidden in the text), in a read-only transaction, under short
 * statement and lock timeouts (a blocked table must not block us too).
 */
export async function explain(client: pg.Client, query: string, id: number): Promise<string> {
  if (!/^\s*(select|with|update|delete|insert|values|table)\b/i.test(query))
    return 'no plan (not a plannable statement)';
  const generic = /\$\d/.test(query) ? ', GENERIC_PLAN' : '';
  try {
    await client.query('BEGIN READ ONLY');
    await client.query("SET LOCAL statement_timeout = '2s'; SET LOCAL lock_timeout = '500ms'");
    const { rows } = await client.query<{ 'QUERY PLAN': string }>({
      name: `aiops-explain-${id}`,
      text: `EXPLAIN (FORMAT TEXT${generic}) ${query}`,
    });
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } catch (err) {
    return `no plan (${err instanceof Error ? err.message : String(err)})`;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

/**
 * Cancels the running statement of (or terminates) each backend that is still the one found:
 * same pid, session start and, for a cancel, statement start. Returns the pids acted on.
 */
export async function signalBackends(
  client: pg.Client,
  targets: Pick<Backend, 'pid' | 'backendStart' | 'queryStart'>[],
  mode: 'cancel' | 'terminate',
): Promise<{ signalled: number[]; gone: number[] }> {
  const signalled: number[] = [];
  const gone: number[] = [];
  const fn = mode === 'cancel' ? 'pg_cancel_backend' : 'pg_terminate_backend';
  for (const t of targets) {
    const { rows } = await client.query<{ ok: boolean }>(
      `select ${fn}(pid) as ok from pg_stat_activity
        where pid = $1 and backend_start::text = $2 and ($3::text is null or query_start::text = $3)`,
      [t.pid, t.backendStart, mode === 'cancel' ? t.queryStart : null],
    );
    (rows[0]?.ok ? signalled : gone).push(t.pid);
  }
  return { signalled, gone };
}

/** Whether any of the backends is still running what it ran (the signal has not landed yet). */
export async function stillRunning(
  client: pg.Client,
  targets: Pick<Backend, 'pid' | 'backendStart' | 'queryStart'>[],
  mode: 'cancel' | 'terminate',
): Promise<number[]> {
  const { rows } = await client.query<{ pid: number; backendStart: string; queryStart: string }>(
    `select pid, backend_start::text as "backendStart", query_start::text as "queryStart"
       from pg_stat_activity where pid = any($1) and state is distinct from 'idle'`,
    [targets.map((t) => t.pid)],
  );
  return targets
    .filter((t) =>
      rows.some(
        (r) =>
          r.pid === t.pid &&
          r.backendStart === t.backendStart &&
          (mode === 'terminate' || r.queryStart === t.queryStart),
      ),
    )
    .map((t) => t.pid);
}
