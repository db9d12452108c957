import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The compiled CLI the roles run from (`npm run build`, which `npm test` runs first). */
export const compiledCli = resolve(__dirname, '..', '..', 'dist', 'worker', 'cli.js');

export function assertBuilt(): void {
  if (!existsSync(compiledCli)) {
    throw new Error(`${compiledCli} is missing: run \`npm run build\` (npm test does) first`);
  }
}

export interface RoleProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout so far, one JSON log object per line. */
  output(): string;
  /** Resolves with the first stdout line matching, or rejects at exit or timeout. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Runs `node dist/worker/cli.js <args>` with only `env` added to the environment. */
export function startRole(args: string[], env: Record<string, string>): RoleProcess {
  const child = spawn(process.execPath, [compiledCli, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    output: () => out,
    waitForLine: (pattern, timeoutMs = 60_000) =>
      new Promise((done, fail) => {
        const deadline = setTimeout(
          () => fail(new Error(`no line matching ${pattern} in ${timeoutMs} ms:\n${out}\n${err}`)),
          timeoutMs,
        );
        const check = () => {
          const line = out.split('\n').find((l) => pattern.test(l));
          if (line === undefined) return false;
          clearTimeout(deadline);
          child.stdout?.off('data', check);
          done(line);
          return true;
        };
        if (check()) return;
        child.stdout?.on('data', check);
        void exited.then((code) => {
          clearTimeout(deadline);
          fail(new Error(`exited ${code} before a line matching ${pattern}:\n${out}\n${err}`));
        });
      }),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs a one-shot command to its end: exit code and output. */
export async function runOnce(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [compiledCli, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { code, stdout, stderr };
}
