import { createApprovalAuthority, loadAuthorityKey } from '../approval-authority';
import { startApprovalGateway } from '../approval-gateway';
import { temporalAddress } from '../config';
import { connectClient } from '../temporal-connection';
import { answers, type RoleContext, type RunningRole } from './role';

/**
 * `aiops gateway`: the approval gateway — `POST /approvals` for `aiops approve` and, when Slack
 * is configured, the Slack app. Ready while Temporal answers its health check.
 */
export async function startGatewayRole({ config, logger }: RoleContext): Promise<RunningRole> {
  const { slack, gateway: gatewaySettings, approval } = config.remediation;
  const authority = createApprovalAuthority(await loadAuthorityKey(approval.keyFile));
  const { connection, client } = await connectClient(config.temporal, temporalAddress(config));
  const gateway = await startApprovalGateway({
    temporal: client,
    gateway: gatewaySettings,
    authority,
    ...(slack ? { slack } : {}),
    log: (line) => logger.info(line),
  }).catch(async (err: unknown) => {
    await connection.close();
    throw err;
  });
  return {
    ready: answers('Temporal', () => connection.healthService.check({})),
    async stop() {
      await gateway.stop();
      await connection.close();
    },
  };
}
