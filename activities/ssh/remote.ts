import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { SshSettings } from './index';
import { execRemote, HostKeyRejectedError, type RemoteOutput } from './session';
import { commandLine, runOnceCommand } from './shell';

export interface RemoteRun {
  host: string;
  argv: string[];
  /** Whether a previous attempt of the same action had already started it. */
  attached: boolean;
  output: string;
}

export function failed(message: string, type: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

/** The audit line of a remote run, saying when an earlier attempt had already run it. */
export function runSummary(run: RemoteRun, what: string): string {
  return `${what} on ${run.host}${run.attached ? ' (already run by an earlier attempt of this action)' : ''}`;
}

/**
 * Runs remote commands for the SSH actions: `runOnce` at most once per action id on its host (see
 * shell.ts), `read` (read-only commands) on every call.
 */
export function remoteRunner(ssh: SshSettings | undefined) {
  function target(host: string) {
    if (!ssh) throw failed('no SSH settings configured', 'NotConfigured');
    return {
      host,
      port: ssh.port,
      username: ssh.username,
      privateKey: ssh.privateKey,
      pins: ssh.pins,
      connectTimeoutMs: ssh.connectTimeoutMs ?? 10_000,
    };
  }

  async function exec(host: string, command: string, maxOutputBytes: number) {
    const ctx = Context.current();
    // Report before the attempt times out; the remote command gets the same budget.
    const budgetMs = (ctx.info.startToCloseTimeoutMs ?? 60_000) * 0.9;
    try {
      return await execRemote(target(host), command, {
        timeoutMs: budgetMs,
        maxOutputBytes,
        onWait: () => ctx.heartbeat(),
      });
    } catch (err) {
      if (err instanceof HostKeyRejectedError) throw failed(err.message, 'HostKeyRejected');
      throw err;
    }
  }

  function failure(argv: string[], host: string, out: RemoteOutput): ApplicationFailure {
    const why = out.code === 124 ? 'timed out' : `exited with ${out.code ?? out.signal}`;
    return failed(
      `${argv.join(' ')} on ${host} ${why}: ${out.stderr.trim().slice(-500)}`,
      'RemoteCommandFailed',
    );
  }

  async function runOnce(actionId: string, host: string, argv: string[]): Promise<RemoteRun> {
    if (!ssh) throw failed('no SSH settings configured', 'NotConfigured');
    const ctx = Context.current();
    const budgetMs = (ctx.info.startToCloseTimeoutMs ?? 60_000) * 0.9;
    const maxOutputBytes = ssh.maxOutputBytes ?? 16 * 1024;
    const command = runOnceCommand({
      markerDir: ssh.markerDir ?? '/var/tmp/aiops-actions',
      id: createHash('sha256').update(actionId).digest('hex').slice(0, 32),
      timeoutSeconds: budgetMs / 1000,
      maxOutputBytes,
      argv,
    });
    const out = await exec(host, command, maxOutputBytes + 64);
    const newline = out.stdout.indexOf('\n');
    const [state, outBytes, errBytes] = out.stdout
      .slice(0, newline)
      .split(' ')
      .map((f) => f.trim());
    const truncated =
      out.truncated || Number(outBytes) > maxOutputBytes || Number(errBytes) > maxOutputBytes;
    const output = out.stdout.slice(newline + 1) + (truncated ? '\n[output truncated]' : '');
    if (out.code !== 0) throw failure(argv, host, out);
    return { host, argv, attached: state === 'attached', output };
  }

  /** A read-only command: run on every call, its whole output (up to `maxBytes`) returned. */
  async function read(host: string, argv: string[], maxBytes = 256 * 1024): Promise<string> {
    const out = await exec(host, commandLine(argv), maxBytes);
    if (out.code !== 0) throw failure(argv, host, out);
    if (out.truncated)
      throw failed(`${argv[0]} on ${host}: output over ${maxBytes} bytes`, 'OutputTooLarge');
    return out.stdout;
  }

  return { runOnce, read };
}
