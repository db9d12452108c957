import { startReceivers } from '../../ingest/receivers';
import { createPool } from '../../store/db';
import { databaseUrl } from '../config';
import { ingestMetrics } from '../telemetry/ingest-metrics';
import { answers, type RoleContext, type RunningRole } from './role';

/**
 * `aiops ingest`: the OTLP receivers (gRPC and HTTP), scaled apart from the workers. Ready while
 * PostgreSQL answers; on stop, in-flight exports commit (and are acknowledged) first.
 */
export async function startIngestRole({
  config,
  logger,
  telemetry,
}: RoleContext): Promise<RunningRole> {
  const pool = createPool(databaseUrl(config), 8);
  const receivers = await startReceivers({
    config,
    pool,
    onError: (err) => logger.error({ err }, 'telemetry write failed'),
    observer: ingestMetrics(telemetry.meter),
  });
  logger.info(
    { grpcPort: receivers.grpcPort, httpPort: receivers.httpPort },
    `OTLP receivers on ${config.ingest.host}: gRPC :${receivers.grpcPort}, HTTP :${receivers.httpPort}`,
  );
  return {
    ready: answers('PostgreSQL', () => pool.query('SELECT 1')),
    async stop() {
      await receivers.stop();
      await pool.end();
    },
  };
}
