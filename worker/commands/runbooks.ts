import type { Client } from '@temporalio/client';
import { Command, InvalidArgumentError } from 'commander';
import { RunbookInputError } from '../../runbooks/sdk/context';
import { checkInput } from '../../runbooks/sdk/inputs';
import { runbookWorkflowId, type RunbookWorkflow } from '../../runbooks/sdk';
import type { RunbookInput, RunbookResult } from '../../runbooks/sdk/types';
import { loadConfig, temporalAddress } from '../config';
import { connectClient } from '../temporal-connection';
import { definitionOf, findRunbook, listText, planText, showText } from './runbook-describe';

/** `--input key=value`, repeatable; a value starting with { or [ is read as JSON. */
export function collectInput(pair: string, into: Record<string, unknown>): Record<string, unknown> {
  const at = pair.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`not key=value: ${pair}`);
  const [key, raw] = [pair.slice(0, at), pair.slice(at + 1)];
  let value: unknown = raw;
  if (/^[[{]/.test(raw)) {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new InvalidArgumentError(`the value of ${key} is not valid JSON: ${raw}`);
    }
  }
  return { ...into, [key]: value };
}

/**
 * The input a run from the CLI starts with, checked against the runbook's schema before
 * anything starts (a bad input is refused here, not by a failed run).
 */
export function cliRunInput(
  name: string,
  fields: Record<string, unknown>,
  incidentId: string,
  dryRun: boolean,
): { workflowType: string; input: RunbookInput } {
  const entry = findRunbook(name);
  if (typeof fields.service !== 'string' || fields.service === '')
    throw new RunbookInputError(
      'input is missing service (--input service=NAME: whose health verifies the fix)',
    );
  const input = { ...fields, incidentId, dryRun, requestedBy: 'cli' } as RunbookInput;
  checkInput(definitionOf(entry).inputs, input);
  return { workflowType: entry.workflowType, input };
}

/** Starts the runbook on the remediation task queue; the id follows `runbook-<incidentId>`. */
export async function startRunbook(
  client: Client,
  taskQueue: string,
  run: { workflowType: string; input: RunbookInput },
) {
  return client.workflow.start<RunbookWorkflow>(run.workflowType, {
    taskQueue,
    workflowId: runbookWorkflowId(run.input.incidentId),
    args: [run.input],
    staticSummary: `aiops runbooks ${run.input.dryRun ? 'dry-run' : 'run'} ${run.workflowType}`,
  });
}

export function resultText(result: RunbookResult): string {
  const { name, version } = result.runbook;
  return [
    `${name} v${version}: ${result.outcome}${result.reason ? ` (${result.reason})` : ''}`,
    ...planText(result.plan).map((l) => `  ${l}`),
    ...result.steps.map(
      (s) =>
        `step ${s.name}: ${s.status}${s.summary ? `, ${s.summary}` : ''}${s.error ? `, ${s.error}` : ''}` +
        (s.compensation ? `; undo ${s.compensation.status}: ${s.compensation.detail}` : ''),
    ),
  ].join('\n');
}

interface RunOptions {
  input: Record<string, unknown>;
  incident?: string;
  wait?: boolean;
}

async function start(name: string, opts: RunOptions, dryRun: boolean): Promise<void> {
  const incidentId = opts.incident ?? `cli-${name}-${Date.now().toString(36)}`;
  const run = cliRunInput(name, opts.input, incidentId, dryRun);
  const config = loadConfig();
  const { connection, client } = await connectClient(config.temporal, temporalAddress(config));
  try {
    const handle = await startRunbook(client, config.taskQueues.remediation, run);
    if (!dryRun && !opts.wait) {
      process.stdout.write(
        `started ${handle.workflowId}; answer its approval with: aiops approve ${incidentId}\n`,
      );
      return;
    }
    const result = await handle.result();
    process.stdout.write(`${resultText(result)}\n`);
    const fine = dryRun ? result.outcome === 'dry_run' : result.outcome === 'succeeded';
    if (!fine) process.exitCode = 1;
  } finally {
    await connection.close();
  }
}

const inputOption = [
  '--input <key=value>',
  'an input field (repeatable; JSON for objects)',
] as const;

export function runbooksCommand(): Command {
  // Its description is in the CLI's command table (worker/cli.ts), read without loading this.
  const command = new Command('runbooks');
  command
    .command('list')
    .description('the latest version of every runbook: risk, the incidents it fits')
    .action(() => {
      process.stdout.write(`${listText()}\n`);
    });
  command
    .command('show')
    .argument('<name>', 'runbook name')
    .description('what a runbook fits, its inputs, and its plan with each undo')
    .action(async (name: string) => {
      process.stdout.write(`${await showText(name)}\n`);
    });
  command
    .command('validate')
    .argument('<file>', 'a runbook module (TypeScript)')
    .description('type checks, the determinism lint, declarations and plan of a runbook file')
    .action(async (file: string) => {
      const { validateRunbookFile } = await import('./runbook-validate.js');
      const problems = await validateRunbookFile(file);
      process.stdout.write(problems.length === 0 ? `${file}: valid\n` : `${problems.join('\n')}\n`);
      if (problems.length > 0) process.exitCode = 1;
    });
  for (const [verb, dryRun, describe] of [
    ['dry-run', true, 'the plan and the approvals the live policy asks for; changes nothing'],
    ['run', false, 'a real run on the remediation workers, approval-gated as usual'],
  ] as const) {
    const sub = command
      .command(verb)
      .argument('<name>', 'runbook name (its latest version runs)')
      .description(describe)
      .option(...inputOption, collectInput, {})
      .option('--incident <id>', 'the incident this run is for (default: a new cli-… id)');
    if (!dryRun) sub.option('--wait', 'wait for the outcome instead of returning once started');
    sub.action((name: string, opts: RunOptions) => start(name, opts, dryRun));
  }
  return command;
}
