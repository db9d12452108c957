/**
 * The OTLP receiver as its own process (production: `tsx ingest/main.ts`, scaled independently
 * of the workers). It applies pending migrations (idempotent, lock-serialised), listens on the
 * configured ports and, on SIGTERM/SIGINT, stops accepting and lets in-flight exports commit
 * (and be acknowledged) before exiting.
 */
import { createPool } from '../store/db';
import { migrate } from '../store/migrate';
import { ConfigError, databaseUrl, loadConfig } from '../worker/config';
import { startReceivers } from './receivers';

async function main() {
  const config = loadConfig();
  const url = databaseUrl(config);
  await migrate(url);
  const pool = createPool(url, 8);
  const receivers = await startReceivers({ config, pool });
  console.log(
    `OTLP receivers listening on ${config.ingest.host}: gRPC :${receivers.grpcPort}, HTTP :${receivers.httpPort}`,
  );
  const shutdown = async () => {
    await receivers.stop();
    await pool.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
