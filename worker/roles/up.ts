import { userInfo } from 'node:os';
import { join } from 'node:path';
import { localApproverToken, tokenDigest } from '../approver-identities';
import { loadConfig } from '../config';
import { demoEngineEnv, startDemo, startDemoCluster } from '../demo/demo';
import { createProgress } from '../stack/progress';
import { startStack } from '../stack/supervisor';

export interface UpOptions {
  demo: boolean;
  faultEvery: number;
  rps: number;
}

/** The laptop all-in-one: every component local unless configured, and the demo unless --no-demo. */
export async function up(opts: UpOptions) {
  const config = loadConfig();
  const progress = createProgress();
  const cluster = opts.demo
    ? await progress.step(
        'Demo: starting the local Kubernetes stand-in and the SSH host',
        () => startDemoCluster({ hostDir: join(config.home, 'demo-host') }),
        (c) =>
          c.host
            ? `Demo: Kubernetes stand-in, and sshd on 127.0.0.1:${c.host.ssh.port} for ${c.host.service}`
            : `Demo: Kubernetes stand-in; SSH host unavailable (${c.hostUnavailable ?? 'not started'})`,
      )
    : undefined;
  const roleEnv = cluster ? await demoEngineEnv(cluster, join(config.home, 'demo-engine')) : {};
  if (cluster && Object.keys(config.remediation.approval.groups).length === 0) {
    // The demo's approvers: whoever runs it, known to the gateway by the local approver token.
    const me = userInfo().username;
    roleEnv.AIOPS_APPROVERS = JSON.stringify({ oncall: [me], 'sre-leads': [me] });
    const token = await localApproverToken(config.home, true);
    if (token && Object.keys(config.remediation.gateway.identities).length === 0) {
      roleEnv.AIOPS_APPROVER_IDENTITIES = JSON.stringify({
        [me]: { tokens: [tokenDigest(token).toString('hex')] },
      });
    }
  }
  const stack = await startStack(config, progress, { roleEnv }).catch(async (err: unknown) => {
    await cluster?.close();
    throw err;
  });
  const print = (line: string) =>
    process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const demo = cluster
    ? startDemo({
        cluster,
        pool: stack.pool,
        otlpHttpEndpoint: stack.otlpHttpEndpoint,
        demo: {
          rps: opts.rps,
          warmupSeconds: 240,
          faultEverySeconds: opts.faultEvery,
          transientFaultSeconds: 120,
          seed: 7,
        },
        print,
      })
    : undefined;
  process.stdout.write('\nThe engine is running.\n');
  if (stack.uiUrl) {
    process.stdout.write(
      `  Temporal Web UI:  ${stack.uiUrl}/namespaces/${config.temporal.namespace}/workflows\n`,
    );
  }
  process.stdout.write(
    `  Temporal:         ${stack.temporalAddress}  (e.g. temporal workflow list --address ${stack.temporalAddress})\n`,
  );
  process.stdout.write(`  PostgreSQL:       ${stack.databaseUrl}\n`);
  process.stdout.write(
    `  OTLP:             gRPC ${stack.otlpGrpcAddress}, HTTP ${stack.otlpHttpEndpoint}\n`,
  );
  process.stdout.write('Press Ctrl-C to stop.\n');
  await new Promise<void>((resolveStop) => {
    // A Ctrl-C reaches every process of the group, and npm/tsx relay it again: only the first
    // signal starts the shutdown; repeats must not kill us halfway through it.
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(
        `\n${signal}: stopping the demo, gateway, receivers, workers, Neo4j, Temporal and PostgreSQL…\n`,
      );
      resolveStop();
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  await demo?.stop();
  await stack.stop();
  await cluster?.close();
  process.stdout.write('Stopped.\n');
}
