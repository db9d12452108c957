import { startApprovalGateway } from '../approval-gateway';
import { ConfigError, temporalAddress } from '../config';
import { connectClient } from '../temporal-connection';
import { answers, type RoleContext, type RunningRole } from './role';

/** `aiops gateway`: the Slack approval gateway. Ready while Temporal answers its health check. */
export async function startGatewayRole({ config, logger }: RoleContext): Promise<RunningRole> {
  const slack = config.remediation.slack;
  if (!slack) {
    throw new ConfigError(
      'Slack is not configured: set AIOPS_SLACK_BOT_TOKEN and AIOPS_SLACK_CHANNEL',
    );
  }
  const { connection, client } = await connectClient(config.temporal, temporalAddress(config));
  const gateway = await startApprovalGateway({
    temporal: client,
    slack,
    log: (line) => logger.info(line),
  });
  return {
    ready: answers('Temporal', () => connection.healthService.check({})),
    async stop() {
      await gateway.stop();
      await connection.close();
    },
  };
}
