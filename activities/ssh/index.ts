import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActionRequest, ActionResult } from '../../runbooks/sdk/types';
import type { HostKeyPins } from './known-hosts';
import { execRemote, HostKeyRejectedError, type RemoteOutput } from './session';
import { runOnceCommand } from './shell';

export interface AllowedScript {
  /** The remote argv prefix (absolute path first); the runbook's arguments are appended. */
  command: string[];
  /** Another allow-listed script, run with the same arguments, that undoes this one. */
  undo?: string;
}

export interface SshSettings {
  username: string;
  port: number;
  privateKey: Buffer | string;
  pins: HostKeyPins;
  /** The only scripts runbooks may run, by name. */
  scripts: Record<string, AllowedScript>;
  connectTimeoutMs?: number;
  maxOutputBytes?: number;
  /** Remote directory of the run-once markers. */
  markerDir?: string;
  /** The command that restarts units (tests point it at a stand-in where systemd is absent). */
  systemctl?: string;
}

interface RemoteRun {
  host: string;
  argv: string[];
  /** Whether a previous attempt of the same action had already started it. */
  attached: boolean;
  output: string;
}

const unitName = /^[A-Za-z0-9@_.:-]+$/;
const maxArgs = 16;
const maxArgLength = 1024;

function failed(message: string, type: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

/** SSH actions; each runs at most once per action id on its host (see shell.ts). */
export function createSshActivities({ ssh }: { ssh?: SshSettings }) {
  async function runOnce(actionId: string, host: string, argv: string[]): Promise<RemoteRun> {
    if (!ssh) throw failed('no SSH settings configured', 'NotConfigured');
    const ctx = Context.current();
    // Report before the attempt times out; the remote command gets the same budget.
    const budgetMs = (ctx.info.startToCloseTimeoutMs ?? 60_000) * 0.9;
    const maxOutputBytes = ssh.maxOutputBytes ?? 16 * 1024;
    const command = runOnceCommand({
      markerDir: ssh.markerDir ?? '/var/tmp/aiops-actions',
      id: createHash('sha256').update(actionId).digest('hex').slice(0, 32),
      timeoutSeconds: budgetMs / 1000,
      maxOutputBytes,
      argv,
    });
    let out: RemoteOutput;
    try {
      out = await execRemote(
        {
          host,
          port: ssh.port,
          username: ssh.username,
          privateKey: ssh.privateKey,
          pins: ssh.pins,
          connectTimeoutMs: ssh.connectTimeoutMs ?? 10_000,
        },
        command,
        { timeoutMs: budgetMs, maxOutputBytes: maxOutputBytes + 64, onWait: () => ctx.heartbeat() },
      );
    } catch (err) {
      if (err instanceof HostKeyRejectedError) throw failed(err.message, 'HostKeyRejected');
      throw err;
    }
    const newline = out.stdout.indexOf('\n');
    const [state, outBytes, errBytes] = out.stdout
      .slice(0, newline)
      .split(' ')
      .map((f) => f.trim());
    const truncated =
      out.truncated || Number(outBytes) > maxOutputBytes || Number(errBytes) > maxOutputBytes;
    const output = out.stdout.slice(newline + 1) + (truncated ? '\n[output truncated]' : '');
    if (out.code !== 0) {
      const why = out.code === 124 ? 'timed out' : `exited with ${out.code ?? out.signal}`;
      throw failed(
        `${argv.join(' ')} on ${host} ${why}: ${out.stderr.trim().slice(-500)}`,
        'RemoteCommandFailed',
      );
    }
    return { host, argv, attached: state === 'attached', output };
  }

  function summary(run: RemoteRun, what: string): string {
    return `${what} on ${run.host}${run.attached ? ' (already run by an earlier attempt of this action)' : ''}`;
  }

  return {
    /** `systemctl restart <unit>`. A restart cannot be undone. */
    async sshRestartUnit({
      actionId,
      params,
    }: ActionRequest<{ host: string; unit: string }>): Promise<
      ActionResult<Record<string, never>>
    > {
      if (!unitName.test(params.unit) || params.unit.startsWith('-')) {
        throw failed(`not a systemd unit name: ${params.unit}`, 'InvalidArgument');
      }
      const systemctl = ssh?.systemctl ?? 'systemctl';
      const run = await runOnce(actionId, params.host, [systemctl, 'restart', '--', params.unit]);
      return { summary: summary(run, `restarted ${params.unit}`), changed: true, details: {} };
    },

    /**
     * Runs an allow-listed script with arguments (passed as argv, never through a shell).
     * Reports the script's undo script, if the allow-list names one, for the compensation.
     */
    async sshRunScript({
      actionId,
      params,
    }: ActionRequest<{ host: string; script: string; args: string[] }>): Promise<
      ActionResult<{ output: string; undo?: string }>
    > {
      const allowed = ssh?.scripts[params.script];
      if (!allowed) throw failed(`script ${params.script} is not allow-listed`, 'NotAllowed');
      if (
        params.args.length > maxArgs ||
        params.args.some((a) => a.length > maxArgLength || a.includes('\0'))
      ) {
        throw failed(`arguments of ${params.script} exceed the limits`, 'InvalidArgument');
      }
      const run = await runOnce(actionId, params.host, [...allowed.command, ...params.args]);
      return {
        summary: summary(run, `ran ${params.script}`),
        changed: true,
        details: { output: run.output, ...(allowed.undo ? { undo: allowed.undo } : {}) },
      };
    },
  };
}
