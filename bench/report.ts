import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { cpus, totalmem } from 'node:os';

const benchmarksFile = resolve(__dirname, '..', 'docs', 'benchmarks.md');

/** The machine line every recorded number carries (GUIDE §4: command, machine, date). */
export function machineDescription(): string {
  const cpu = cpus();
  const gib = (totalmem() / 2 ** 30).toFixed(0);
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${gib} GiB RAM, Node ${process.version}`;
}

/**
 * Replaces one benchmark's section of docs/benchmarks.md (between its start/end markers), so
 * each bench script owns its section and re-running one leaves the others intact.
 */
export async function writeBenchmarkSection(name: string, markdown: string): Promise<void> {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  let doc: string;
  try {
    doc = await readFile(benchmarksFile, 'utf8');
  } catch {
    doc =
      '# Benchmarks\n\nEvery number below names the command that reproduces it, the machine and the date.\n';
  }
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  doc =
    from >= 0 && to > from
      ? doc.slice(0, from) + block + doc.slice(to + end.length)
      : `${doc.trimEnd()}\n\n${block}\n`;
  await mkdir(dirname(benchmarksFile), { recursive: true });
  await writeFile(benchmarksFile, doc);
}
