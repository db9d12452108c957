import { spawn, type ChildProcessWithoutNullStreams, type SpawnOptions } from 'node:child_process';
import type { PidFiles } from './pid-files';

export interface ServiceProcess {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<void>;
  /** Signals the process and waits for it to exit (SIGKILL after the grace period); once. */
  stop(): Promise<void>;
}

export interface ServiceProcessOptions extends Omit<SpawnOptions, 'stdio' | 'detached'> {
  /** What asks this server to shut down cleanly (PostgreSQL: SIGINT, a fast shutdown). */
  stopSignal?: NodeJS.Signals;
  graceMs: number;
  /** Where the process is recorded while it runs, so a later start can find it after a crash. */
  pidFile?: { files: PidFiles; name: string };
}

/**
 * Starts a server of the local stack in a process group of its own, so a terminal's Ctrl-C
 * reaches only the supervisor, which stops the stack in order (workers and receivers before
 * the database they write to). Should the supervisor die first, its exit still signals the
 * server, so nothing outlives it but a SIGKILL of the supervisor; the pid file is for that case.
 */
export function spawnServiceProcess(
  command: string,
  args: string[],
  options: ServiceProcessOptions,
): ServiceProcess {
  const { stopSignal = 'SIGTERM', graceMs, pidFile, ...spawnOptions } = options;
  const child = spawn(command, args, { ...spawnOptions, stdio: 'pipe', detached: true });
  child.stdin.end();
  const { pid } = child;
  if (pidFile && pid !== undefined) {
    pidFile.files.record(pidFile.name, pid, stopSignal);
    child.once('exit', () => pidFile.files.forget(pidFile.name, pid));
  }
  const running = () => child.exitCode === null && child.signalCode === null;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onSupervisorExit = () => {
    if (running()) child.kill(stopSignal);
  };
  process.on('exit', onSupervisorExit);
  void exited.then(() => process.off('exit', onSupervisorExit));
  let stopping: Promise<void> | undefined;
  return {
    child,
    exited,
    stop: () =>
      (stopping ??= (async () => {
        if (!running()) return;
        child.kill(stopSignal);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })()),
  };
}
