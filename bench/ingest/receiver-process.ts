import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');

/** Node flags that write a CPU profile into BENCH_INGEST_PROFILE (a directory), when set. */
export const profileFlags = (): string[] => {
  const dir = process.env.BENCH_INGEST_PROFILE;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
};

export interface ReceiverProcess {
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | NodeJS.Signals | null>;
  /** Output so far, for error messages. */
  output(): string;
}

/**
 * Runs the OTLP receiver as its own process (`ingest/main.ts`, exactly as in production), so
 * its memory is measured alone and it can be killed; resolves when it is listening.
 */
export async function startReceiverProcess(env: Record<string, string>): Promise<ReceiverProcess> {
  const child = spawn(
    process.execPath,
    [...profileFlags(), '--import', 'tsx', resolve(root, 'ingest', 'main.ts')],
    {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  const keep = 20_000; // the tail is enough to explain a failure
  const exited = new Promise<number | NodeJS.Signals | null>((done) =>
    child.once('exit', (code, signal) => done(signal ?? code)),
  );
  await new Promise<void>((ready, fail) => {
    const onData = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-keep);
      if (log.includes('OTLP receivers listening')) ready();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((how) =>
      fail(new Error(`receiver exited (${how}) before listening:\n${log}`)),
    );
  });
  return { pid: child.pid!, child, exited, output: () => log };
}
