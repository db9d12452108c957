/**
 * `aiops detect score [FILE]`: scores a `timestamp,value` CSV (FILE or stdin) with the streaming
 * anomaly ensemble, one output row per input row, as the rows arrive.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { createDetector } from '../../detectors/anomaly/config';
import type { StreamingDetector } from '../../detectors/anomaly/types';

const INPUT_HEADER = 'timestamp,value';
const OUTPUT_HEADER = 'timestamp,value,anomaly_score';

/** Input the scorer cannot use, located by its 1-based line number. */
export class InputError extends Error {
  constructor(
    readonly line: number,
    detail: string,
  ) {
    super(`line ${line}: ${detail}`);
  }
}

/**
 * A line-by-line CSV scorer: the first non-blank line must be the header, every later non-blank
 * line `timestamp,value`. Returns the output line (null for blank input lines) or throws
 * InputError. The bench drives this same function, so it measures exactly what the CLI emits.
 */
export function createCsvScorer(
  detector: StreamingDetector<number>,
): (line: string, lineNumber: number) => string | null {
  let sawHeader = false;
  return (rawLine, lineNumber) => {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '') return null;
    if (!sawHeader) {
      if (line.trim().toLowerCase() !== INPUT_HEADER) {
        throw new InputError(lineNumber, `expected header "${INPUT_HEADER}", got "${line}"`);
      }
      sawHeader = true;
      return OUTPUT_HEADER;
    }
    const fields = line.split(',');
    if (fields.length !== 2) {
      throw new InputError(
        lineNumber,
        `expected 2 fields (timestamp,value), got ${fields.length}: "${line}"`,
      );
    }
    const timestamp = (fields[0] as string).trim();
    const valueText = (fields[1] as string).trim();
    if (timestamp === '') throw new InputError(lineNumber, 'empty timestamp');
    const value = valueText === '' ? NaN : Number(valueText);
    if (!Number.isFinite(value)) {
      throw new InputError(lineNumber, `value "${valueText}" is not a finite number`);
    }
    // Six decimals: plenty to rank alerts, and what the NAB bench scores.
    return `${timestamp},${valueText},${detector.score(value).toFixed(6)}`;
  };
}

async function scoreStream(input: NodeJS.ReadableStream, output: NodeJS.WritableStream) {
  const score = createCsvScorer(createDetector());
  let lineNumber = 0;
  let sawHeader = false;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    const out = score(line, ++lineNumber);
    if (out === null) continue;
    sawHeader = true;
    output.write(`${out}\n`);
  }
  if (!sawHeader) throw new InputError(lineNumber + 1, `no input (expected "${INPUT_HEADER}")`);
}

export function detectCommand(): Command {
  // Its description is in the CLI's command table (worker/cli.ts), read without loading this.
  const detect = new Command('detect');
  detect
    .command('score')
    .description(
      `Score a CSV with header "${INPUT_HEADER}" (FILE, or stdin when omitted); writes ` +
        `"${OUTPUT_HEADER}" to stdout, one row per input row, anomaly_score in [0, 1].`,
    )
    .argument('[file]', 'input CSV (default: stdin)')
    .action(async function (this: Command, file: string | undefined) {
      const input = file === undefined ? process.stdin : createReadStream(file);
      try {
        await scoreStream(input, process.stdout);
      } catch (err) {
        const source = file ?? 'stdin';
        const message = err instanceof Error ? err.message : String(err);
        this.error(`detect score: ${source}: ${message}`, { exitCode: 1 });
      }
    });
  return detect;
}
