import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Command } from 'commander';
import { LogTemplateMiner } from '../../detectors/logs/miner';

/** Output is flushed in chunks of about this many characters. */
const chunkChars = 64 * 1024;

/**
 * Reads one log message per line and writes `<template id>\t<template>` per input line, the
 * template being the final one of the line's cluster once the whole input has been learned
 * (a template can still generalize after a line joined it).
 */
export async function mineLogLines(input: Readable, output: Writable): Promise<void> {
  const miner = new LogTemplateMiner();
  // Lines keep a small index of their template id, not the id string, to stay compact.
  const idIndex = new Map<string, number>();
  const ids: string[] = [];
  const lineTemplates: number[] = [];
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    const { templateId } = miner.add(line);
    let index = idIndex.get(templateId);
    if (index === undefined) {
      index = ids.length;
      idIndex.set(templateId, index);
      ids.push(templateId);
    }
    lineTemplates.push(index);
  }
  const templates = new Map(miner.templates().map((t) => [t.templateId, t.template]));
  const finalLines = ids.map((id) => {
    const finalId = miner.resolveId(id) ?? id;
    return `${finalId}\t${templates.get(finalId) ?? ''}\n`;
  });
  let chunk = '';
  for (const index of lineTemplates) {
    chunk += finalLines[index];
    if (chunk.length >= chunkChars) {
      if (!output.write(chunk)) await once(output, 'drain');
      chunk = '';
    }
  }
  if (chunk) output.write(chunk);
}

export function logsCommand(): Command {
  // Its description is in the CLI's command table (worker/cli.ts), read without loading this.
  const logs = new Command('logs');
  logs
    .command('mine')
    .description(
      'learn log templates from FILE (or stdin), one message per line, then print' +
        ' "<template id>\\t<template>" for each line (its final template)',
    )
    .argument('[file]', 'log file; stdin when omitted')
    .action(async (file?: string) => {
      await mineLogLines(file ? createReadStream(file) : process.stdin, process.stdout);
    });
  return logs;
}
