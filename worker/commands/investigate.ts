import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig, temporalAddress, type Config } from '../config';
import { connectClient } from '../temporal-connection';
import type { InvestigationResult } from '../../workflows/investigation/types';

function isoTime(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`not an ISO-8601 time: ${value}`);
  return new Date(ms).toISOString();
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError(`not a positive number: ${value}`);
  return n;
}

export interface InvestigateOptions {
  start: string;
  end?: string;
  baseline: number;
}

/** Runs the investigation workflow over data already ingested and waits for its result. */
export async function runInvestigation(
  config: Config,
  opts: InvestigateOptions,
): Promise<InvestigationResult> {
  const { connection, client } = await connectClient(config.temporal, temporalAddress(config));
  try {
    const end = opts.end ?? new Date().toISOString();
    const investigationId = `investigation-cli-${opts.start}-${end}`.replace(/[:.]/g, '');
    return await client.workflow.execute('investigationWorkflow', {
      taskQueue: config.taskQueues.incident,
      workflowId: investigationId,
      args: [{ investigationId, faultStart: opts.start, end, baselineMinutes: opts.baseline }],
      staticSummary: `aiops investigate ${opts.start} → ${end}`,
      workflowExecutionTimeout: '10 minutes',
    });
  } finally {
    await connection.close();
  }
}

/** The `--json` output: `{"candidates":[{service, operation, kind, score, evidence}]}`. */
export function candidatesJson(result: InvestigationResult): string {
  const candidates = result.ranked.candidates.map(
    ({ service, operation, kind, score, evidence }) => ({
      service,
      operation: operation ?? null,
      kind,
      score,
      evidence,
    }),
  );
  return JSON.stringify({ candidates });
}

function printTable(result: InvestigationResult) {
  const rows = result.ranked.candidates.map((c, i) =>
    [String(i + 1), c.service, c.operation ?? '-', c.kind, c.score.toFixed(3)].join('\t'),
  );
  process.stdout.write(['#\tservice\toperation\tkind\tscore', ...rows].join('\n') + '\n');
  process.stdout.write(`\n${result.summary.summary}\n`);
  for (const note of result.notes) process.stdout.write(`note: ${note}\n`);
}

export function investigateCommand(): Command {
  // Its description is in the CLI's command table (worker/cli.ts), read without loading this.
  return new Command('investigate')
    .requiredOption('--start <time>', 'start of the fault window (ISO-8601)', isoTime)
    .option('--end <time>', 'end of the fault window (ISO-8601; default now)', isoTime)
    .addOption(
      new Option(
        '--baseline <minutes>',
        'minutes of healthy traffic before --start to compare with',
      )
        .default(10)
        .argParser(positiveNumber),
    )
    .option('--json', 'print {"candidates":[…]} as JSON')
    .action(async (opts: InvestigateOptions & { json?: boolean }) => {
      const result = await runInvestigation(loadConfig(), opts);
      if (opts.json) {
        process.stdout.write(candidatesJson(result) + '\n');
      } else {
        printTable(result);
      }
    });
}
