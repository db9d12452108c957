import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig, temporalAddress, type Config } from '../config';
import {
  investigationLimits,
  investigationWindowProblems,
  parseIsoTime,
} from '../../workflows/investigation/limits';
import { connectClient } from '../temporal-connection';
import type { InvestigationResult } from '../../workflows/investigation/types';

function isoTime(value: string): string {
  const ms = parseIsoTime(value);
  if (ms === undefined)
    throw new InvalidArgumentError(`not an ISO-8601 time (e.g. 2026-01-31T14:05:00Z): ${value}`);
  return new Date(ms).toISOString();
}

function baselineMinutes(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= investigationLimits.maxBaselineMinutes))
    throw new InvalidArgumentError(
      `not a number of minutes above 0 and at most ${investigationLimits.maxBaselineMinutes}: ${value}`,
    );
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

/**
 * Why there is nothing to rank: no spans were stored in the window and its baseline (the
 * candidates come from them), so an empty list would read as "no suspect" instead of "no data".
 */
export function emptyWindowReason(
  result: InvestigationResult,
  opts: InvestigateOptions,
): string | null {
  if (result.ranked.candidates.length > 0) return null;
  const end = opts.end ?? 'now';
  return `no spans stored to rank between ${opts.start} and ${end} (nor in the ${opts.baseline} minutes of baseline before it); check the time range (UTC) and that traces were ingested`;
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
    .requiredOption(
      '--start <time>',
      `start of the fault window (ISO-8601; at most ${investigationLimits.maxFaultWindowMinutes} minutes before --end)`,
      isoTime,
    )
    .option('--end <time>', 'end of the fault window (ISO-8601; default now)', isoTime)
    .addOption(
      new Option(
        '--baseline <minutes>',
        'minutes of healthy traffic before --start to compare with',
      )
        .default(10)
        .argParser(baselineMinutes),
    )
    .option('--json', 'print {"candidates":[…]} as JSON')
    .action(async (opts: InvestigateOptions & { json?: boolean }, command: Command) => {
      const problems = investigationWindowProblems({
        faultStart: opts.start,
        end: opts.end ?? new Date().toISOString(),
        baselineMinutes: opts.baseline,
      });
      if (problems.length) command.error(`error: ${problems.join('; ')}`);
      const result = await runInvestigation(loadConfig(), opts);
      const reason = emptyWindowReason(result, opts);
      if (reason) {
        process.stderr.write(`aiops: ${reason}\n`);
        process.exitCode = 1;
        return;
      }
      if (opts.json) {
        process.stdout.write(candidatesJson(result) + '\n');
        // What the ranking went without (e.g. a history past its budget), beside the JSON.
        for (const note of result.notes) process.stderr.write(`aiops: note: ${note}\n`);
      } else {
        printTable(result);
      }
    });
}
