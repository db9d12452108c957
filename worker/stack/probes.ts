import pg from 'pg';
import { connectClient, type TemporalSettings } from '../temporal-connection';

/** Whether a PostgreSQL server answers at this URL; the error message when it does not. */
export async function probePostgres(
  url: string,
): Promise<{ ok: true } | { ok: false; error: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Whether a Temporal frontend answers at this address; its server version when it does. */
export async function probeTemporal(
  settings: TemporalSettings,
  address: string,
): Promise<{ ok: true; version: string } | { ok: false; error: string }> {
  try {
    const { connection } = await connectClient(settings, address, { connectTimeout: 3_000 });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      return { ok: true, version: info.serverVersion ?? 'unknown' };
    } finally {
      await connection.close();
    }
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
}
