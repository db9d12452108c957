import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ActivityDeps } from '../activities';
import { loadKubeConfig } from '../activities/kubernetes';
import { createSlackClient } from '../activities/slack';
import { trustedAuthorityKeys } from './approval-authority';
import type { RemediationConfig } from './config';

export type RemediationDeps = Pick<
  ActivityDeps,
  'kube' | 'ssh' | 'slack' | 'approvalPolicy' | 'postgres' | 'flags'
>;

function clusterReachable(kubeconfig: string | undefined): boolean {
  return (
    kubeconfig !== undefined ||
    process.env.KUBECONFIG !== undefined ||
    process.env.KUBERNETES_SERVICE_HOST !== undefined ||
    existsSync(join(homedir(), '.kube', 'config'))
  );
}

/**
 * The runbook actions' dependencies from configuration. What is not configured stays unset, and
 * the actions needing it fail with "not configured" instead of guessing.
 */
export async function remediationDeps(config: RemediationConfig): Promise<RemediationDeps> {
  const { ssh, slack, approval } = config;
  return {
    approvalPolicy: { ...approval, authorityKeys: await trustedAuthorityKeys(approval) },
    ...(clusterReachable(config.kubeconfig) ? { kube: loadKubeConfig(config.kubeconfig) } : {}),
    ...(ssh.keyPath
      ? {
          ssh: {
            username: ssh.user,
            port: ssh.port,
            privateKey: await readFile(ssh.keyPath),
            pins: {
              knownHosts: await readFile(ssh.knownHostsPath, 'utf8').catch(() => ''),
              fingerprints: ssh.fingerprints,
            },
            scripts: ssh.scripts,
            cleanups: ssh.cleanups,
            logs: ssh.logs,
          },
        }
      : {}),
    ...(Object.keys(config.flags).length > 0 ? { flags: config.flags } : {}),
    ...(Object.keys(config.databases).length > 0
      ? { postgres: { databases: config.databases, services: config.serviceDatabases } }
      : {}),
    ...(slack
      ? {
          slack: {
            client: createSlackClient(slack.botToken, slack.apiUrl),
            channel: slack.channel,
          },
        }
      : {}),
  };
}
