import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { localApproverToken, tokenDigest } from './approver-identities';
import { approveCommand } from './commands/approve';
import { detectCommand } from './commands/detect';
import { investigateCommand } from './commands/investigate';
import { logsCommand } from './commands/logs';
import { loadConfig, ConfigError } from './config';
import { startDemo, startDemoCluster } from './demo/demo';
import { runDoctor, type Check } from './doctor';
import { createProgress } from './stack/progress';
import { PortInUseError } from './stack/ports';
import { PostgresStartError } from './stack/postgres';
import { TemporalCliMissingError } from './stack/temporal-cli';
import { startStack } from './stack/supervisor';
import { stackStatus } from './status';

const marks: Record<Check['state'], string> = { ok: '✔', warning: '!', missing: '✖' };

function printChecks(checks: Check[]): boolean {
  for (const c of checks) {
    process.stdout.write(`${marks[c.state]} ${c.component.padEnd(12)} ${c.detail}\n`);
    if (c.fix) process.stdout.write(`  ${''.padEnd(12)} → ${c.fix}\n`);
  }
  return checks.every((c) => c.state !== 'missing');
}

interface UpOptions {
  demo: boolean;
  faultEvery: number;
  rps: number;
}

async function up(opts: UpOptions) {
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
  if (cluster && Object.keys(config.remediation.approval.groups).length === 0) {
    // The demo's approvers: whoever runs it, known to the gateway by the local approver token.
    const me = userInfo().username;
    config.remediation.approval.groups = { oncall: [me], 'sre-leads': [me] };
    const token = await localApproverToken(config.home, true);
    if (token && Object.keys(config.remediation.gateway.identities).length === 0) {
      config.remediation.gateway.identities = {
        [me]: { tokens: [tokenDigest(token).toString('hex')] },
      };
    }
  }
  const stack = await startStack(config, progress, cluster?.deps).catch(async (err: unknown) => {
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
        `\n${signal}: stopping the demo, worker, receivers, Temporal, Neo4j and PostgreSQL…\n`,
      );
      resolveStop();
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    stack.workers.done.catch((err: unknown) => {
      process.stderr.write(`worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
      resolveStop();
    });
  });
  await demo?.stop();
  await stack.stop();
  await cluster?.close();
  process.stdout.write('Stopped.\n');
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`not a positive integer: ${value}`);
  return n;
}

export function buildCli(): Command {
  const program = new Command('aiops')
    .description('Incident automation on Temporal: detect → diagnose → fix')
    .showHelpAfterError();
  program
    .command('up')
    .description(
      'start the local stack (PostgreSQL, Temporal, Neo4j, worker, receivers, schedules) and the demo; alias: npm start',
    )
    .option('--no-demo', 'run the bare engine, without the simulated shop and its faults')
    .option('--fault-every <seconds>', 'demo: seconds between injected faults', positiveInt, 240)
    .option('--rps <n>', 'demo: requests per second of simulated traffic', positiveInt, 15)
    .action(up);
  program
    .command('status')
    .description('show what is running: database, Temporal, workers, schedule')
    .action(async () => {
      if (!printChecks(await stackStatus(loadConfig()))) process.exitCode = 1;
    });
  program
    .command('doctor')
    .description('check every component and say what is missing and how to get it')
    .action(async () => {
      if (!printChecks(await runDoctor(loadConfig()))) process.exitCode = 1;
    });
  program.addCommand(approveCommand());
  program.addCommand(detectCommand());
  program.addCommand(logsCommand());
  program.addCommand(investigateCommand());
  return program;
}

/** Known failures print one clear line; anything else keeps its stack trace. */
function reportFailure(err: unknown): never {
  if (
    err instanceof ConfigError ||
    err instanceof PortInUseError ||
    err instanceof PostgresStartError ||
    err instanceof TemporalCliMissingError
  ) {
    process.stderr.write(`aiops: ${err.message}\n`);
  } else {
    process.stderr.write(
      `aiops: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exit(1);
}

if (require.main === module) {
  buildCli()
    .parseAsync(process.argv)
    .then(() => process.exit(process.exitCode ?? 0), reportFailure);
}
