import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { Command } from 'commander';
import { LogTemplateMiner } from '../../detectors/logs/miner';
import { binaryInputReason, isTextLine, sniffBytes } from '../../detectors/logs/text-input';

/** Output is flushed in chunks of about this many characters. */
const chunkChars = 64 * 1024;
/** Line numbers of set-aside lines named in the warning, at most. */
const namedLines = 10;

/** Input that is not text: nothing was mined. */
export class NonTextInputError extends Error {}

/** What mining saw besides templates. */
export interface MineSummary {
  lines: number;
  /** Line numbers (from 1) of lines that were not text, set aside unmined. */
  nonTextLines: number[];
}

/**
 * The input's lines, decoded as UTF-8 (undecodable bytes become U+FFFD), without their line
 * ends. Throws NonTextInputError, before yielding any line, when the input's start is not text.
 */
async function* textLines(input: Readable): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  const head: Buffer[] = [];
  let headBytes = 0;
  let checked = false;
  let pending = '';
  function* split(text: string): Generator<string> {
    pending += text;
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', start)) {
      const end = nl > start && pending.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield pending.slice(start, end);
      start = nl + 1;
    }
    pending = pending.slice(start);
  }
  function* release(): Generator<string> {
    const bytes = Buffer.concat(head);
    const reason = binaryInputReason(bytes);
    if (reason) throw new NonTextInputError(reason);
    checked = true;
    yield* split(decoder.decode(bytes, { stream: true }));
  }
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    if (checked) {
      yield* split(decoder.decode(bytes, { stream: true }));
      continue;
    }
    head.push(bytes);
    headBytes += bytes.length;
    if (headBytes >= sniffBytes) yield* release();
  }
  if (!checked) yield* release();
  yield* split(decoder.decode());
  if (pending) yield pending;
}

/**
 * Reads one log message per line and writes `<template id>\t<template>` per input line, the
 * template being the final one of the line's cluster once the whole input has been learned
 * (a template can still generalize after a line joined it). A line that is not text is not
 * mined: its row is empty and the summary names it.
 */
export async function mineLogLines(input: Readable, output: Writable): Promise<MineSummary> {
  const miner = new LogTemplateMiner();
  // Lines keep a small index of their template id, not the id string, to stay compact.
  const idIndex = new Map<string, number>();
  const ids: string[] = [];
  const lineTemplates: number[] = [];
  const nonTextLines: number[] = [];
  for await (const line of textLines(input)) {
    if (!isTextLine(line)) {
      nonTextLines.push(lineTemplates.length + 1);
      lineTemplates.push(-1);
      continue;
    }
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
    chunk += index < 0 ? '\t\n' : finalLines[index];
    if (chunk.length >= chunkChars) {
      if (!output.write(chunk)) await once(output, 'drain');
      chunk = '';
    }
  }
  if (chunk) output.write(chunk);
  return { lines: lineTemplates.length, nonTextLines };
}

/** The warning for lines set aside, naming the first few. */
export function nonTextWarning({ lines, nonTextLines }: MineSummary): string | undefined {
  if (!nonTextLines.length) return undefined;
  const named = nonTextLines.slice(0, namedLines).join(', ');
  const more = nonTextLines.length > namedLines ? ', …' : '';
  return (
    `warning: ${nonTextLines.length} of ${lines} lines were not text (control characters or` +
    ` undecodable bytes) and were not mined; their rows are empty (lines ${named}${more})`
  );
}

export function logsCommand(): Command {
  // Its description is in the CLI's command table (worker/cli.ts), read without loading this.
  const logs = new Command('logs');
  logs
    .command('mine')
    .description(
      'learn log templates from FILE (or stdin), one message per line, then print' +
        ' "<template id>\\t<template>" for each line (its final template); refuses input that' +
        ' is not text (exit 2) and warns about single lines that are not',
    )
    .argument('[file]', 'log file; stdin when omitted')
    .action(async (file?: string) => {
      try {
        const summary = await mineLogLines(
          file ? createReadStream(file) : process.stdin,
          process.stdout,
        );
        const warning = nonTextWarning(summary);
        if (warning) process.stderr.write(`aiops logs mine: ${warning}\n`);
      } catch (err) {
        if (!(err instanceof NonTextInputError)) throw err;
        process.stderr.write(`aiops logs mine: ${err.message}; nothing was mined\n`);
        process.exitCode = 2;
      }
    });
  return logs;
}
