import { Command, InvalidArgumentError } from 'commander';

/**
 * The `aiops` command line. It loads only commander up front: each command's module (and the
 * SDKs behind it) is imported when that command runs, so `aiops --help` answers at once.
 */

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`not a positive integer: ${value}`);
  return n;
}

/** Commands defined in their own modules: named and summarised here, loaded when they run. */
const moduleCommands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  approve: {
    summary: "approve (or --reject) the runbook waiting for an incident's approval",
    load: () => import('./commands/approve.js').then((m) => m.approveCommand()),
  },
  detect: {
    summary: 'streaming anomaly detection on metric series',
    load: () => import('./commands/detect.js').then((m) => m.detectCommand()),
  },
  logs: {
    summary: 'log analysis: template mining',
    load: () => import('./commands/logs.js').then((m) => m.logsCommand()),
  },
  runbooks: {
    summary: 'the runbook catalog: list, show, validate, dry-run, run',
    load: () => import('./commands/runbooks.js').then((m) => m.runbooksCommand()),
  },
  investigate: {
    summary:
      'rank root causes for a time window of ingested data (runs the investigation workflow)',
    load: () => import('./commands/investigate.js').then((m) => m.investigateCommand()),
  },
};

async function printChecks(checks: Promise<import('./doctor.js').Check[]>): Promise<void> {
  const marks = { ok: '✔', warning: '!', missing: '✖' } as const;
  const all = await checks;
  for (const c of all) {
    process.stdout.write(`${marks[c.state]} ${c.component.padEnd(12)} ${c.detail}\n`);
    if (c.fix) process.stdout.write(`  ${''.padEnd(12)} → ${c.fix}\n`);
  }
  if (all.some((c) => c.state === 'missing')) process.exitCode = 1;
}

const config = () => import('./config.js').then((m) => m.loadConfig());

/** Runs a production role; its module loads only then. */
const runRole: typeof import('./roles/role.js').runRole = async (name, start) =>
  (await import('./roles/role.js')).runRole(name, start);

/** The CLI; `run` names the command about to run, whose module is then loaded in full. */
export async function buildCli(run?: string): Promise<Command> {
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
    .action(async (opts: import('./roles/up.js').UpOptions) =>
      (await import('./roles/up.js')).up(opts),
    );
  program
    .command('status')
    .description('show what is running: database, Temporal, workers, schedule')
    .action(async () => printChecks((await import('./status.js')).stackStatus(await config())));
  program
    .command('doctor')
    .description('check every component and say what is missing and how to get it')
    .action(async () => printChecks((await import('./doctor.js')).runDoctor(await config())));
  program
    .command('worker')
    .description(
      'production role: poll the task queues (all, or --queues) on the configured Temporal',
    )
    .option(
      '--queues <groups>',
      'comma-separated queue groups: detection, incident, remediation, housekeeping',
    )
    .action((opts: { queues?: string }) =>
      runRole('worker', async (ctx) => {
        const { parseQueueGroups, startWorkerRole } = await import('./roles/worker.js');
        const groups = opts.queues ? parseQueueGroups(opts.queues, ctx.config) : undefined;
        return startWorkerRole(ctx, groups);
      }),
    );
  program
    .command('ingest')
    .description('production role: the OTLP receivers (gRPC and HTTP) writing to PostgreSQL')
    .action(() =>
      runRole('ingest', async (ctx) => (await import('./roles/ingest.js')).startIngestRole(ctx)),
    );
  program
    .command('gateway')
    .description('production role: the Slack approval gateway')
    .action(() =>
      runRole('gateway', async (ctx) => (await import('./roles/gateway.js')).startGatewayRole(ctx)),
    );
  program
    .command('setup')
    .description(
      'production: apply migrations, register search attributes and schedules (idempotent)',
    )
    .action(async () => {
      const [{ runSetup }, { createLogger }, cfg] = await Promise.all([
        import('./roles/setup.js'),
        import('./telemetry/logger.js'),
        config(),
      ]);
      await runSetup(cfg, createLogger(cfg.logLevel, 'setup'));
    });
  for (const [name, { summary, load }] of Object.entries(moduleCommands)) {
    program.addCommand(
      name === run ? (await load()).description(summary) : new Command(name).description(summary),
    );
  }
  return program;
}

/** Known failures print one clear line; anything else keeps its stack trace. */
async function reportFailure(err: unknown): Promise<never> {
  const { isKnownFailure } = await import('./failures.js');
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`aiops: ${isKnownFailure(err) ? err.message : detail}\n`);
  process.exit(1);
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const program = await buildCli(argv[2]);
  await program.parseAsync(argv).then(() => process.exit(process.exitCode ?? 0), reportFailure);
}

if (require.main === module) void main();
