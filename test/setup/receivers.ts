import { startReceivers, type RunningReceivers } from '../../ingest/receivers';
import type { Pool } from '../../store/db';
import { loadConfig } from '../../worker/config';
import { freePort } from '../../worker/stack/ports';

/**
 * The OTLP receivers on free ports, writing to one test database, with the given clock (the
 * real one by default); `endpoint` is the OTLP/HTTP base URL.
 */
export async function startTestReceivers(
  db: { url: string; pool: Pool },
  now?: () => number,
): Promise<RunningReceivers & { endpoint: string }> {
  const config = loadConfig({
    DATABASE_URL: db.url,
    AIOPS_OTLP_GRPC_PORT: String(await freePort()),
    AIOPS_OTLP_HTTP_PORT: String(await freePort()),
  });
  const receivers = await startReceivers({ config, pool: db.pool, now });
  return { ...receivers, endpoint: `http://127.0.0.1:${receivers.httpPort}` };
}
