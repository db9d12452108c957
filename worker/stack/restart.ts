/** Something the stack runs that can end by itself: a server or a role process. */
export interface Exiting {
  /** Settles when it exits, stopped or not. */
  exited: Promise<unknown>;
  stop(): Promise<void>;
}

export interface RestartPolicy {
  /** Wait before the first restart; doubled after each restart that did not last. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Running this long counts as recovered: the next crash starts from the initial delay. */
  stableMs: number;
}

export const defaultRestartPolicy: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  stableMs: 60_000,
};

export interface Supervised<T> {
  /** The running instance (the latest one after restarts). */
  current(): T;
  /** How many times it was restarted. */
  restarts(): number;
  /** Stops restarting, then stops the instance; once. */
  stop(): Promise<void>;
}

export interface SuperviseOptions<T extends Exiting> {
  name: string;
  /** Starts one instance and resolves once it is ready. */
  start: () => Promise<T>;
  /** Why the instance ended (exit code, signal), for the restart line. */
  describeExit?: (instance: T) => string;
  /** Called with each new instance after a restart (e.g. to reconnect to it). */
  onRestart?: (instance: T) => void;
  log: (line: string) => void;
  policy?: RestartPolicy;
}

/**
 * Starts `start()` and keeps it running: when the instance exits without being asked to, it is
 * started again after a backoff (1 s, 2 s, 4 s … up to 30 s; back to 1 s once a run lasts a
 * minute), each restart said in one line. A failed first start is the caller's error; a failed
 * restart is retried with the next backoff, so a component that cannot come back does not end
 * the stack, and comes back when what it needs does.
 */
export async function supervise<T extends Exiting>(
  opts: SuperviseOptions<T>,
): Promise<Supervised<T>> {
  const policy = opts.policy ?? defaultRestartPolicy;
  let instance = await opts.start();
  let stopping = false;
  let restarts = 0;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const watch = async () => {
    let delay = policy.initialDelayMs;
    for (;;) {
      const startedAt = Date.now();
      await instance.exited;
      if (stopping) return;
      if (Date.now() - startedAt >= policy.stableMs) delay = policy.initialDelayMs;
      const how = opts.describeExit?.(instance) ?? 'exited';
      const downAt = Date.now();
      opts.log(`${opts.name} ${how} unexpectedly; restarting in ${delay / 1000} s`);
      for (;;) {
        await sleep(delay);
        if (stopping) return;
        delay = Math.min(delay * 2, policy.maxDelayMs);
        try {
          instance = await opts.start();
          break;
        } catch (err) {
          const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
          opts.log(`${opts.name} did not restart (${reason}); trying again in ${delay / 1000} s`);
        }
      }
      if (stopping) {
        await instance.stop();
        return;
      }
      restarts++;
      opts.log(`${opts.name} restarted after ${((Date.now() - downAt) / 1000).toFixed(1)} s down`);
      opts.onRestart?.(instance);
    }
  };
  const watching = watch();
  let stopped: Promise<void> | undefined;
  return {
    current: () => instance,
    restarts: () => restarts,
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        wake?.();
        await instance.stop();
        await watching;
      })()),
  };
}
