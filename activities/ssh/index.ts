import type { ActionRequest, ActionResult } from '../../runbooks/sdk/types';
import type { HostKeyPins } from './known-hosts';
import { failed, remoteRunner, runSummary } from './remote';
import { createHostActivities, type CleanupRule, type LogRotation } from './host';

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
  /** Disk cleanups runbooks may run, by name: which files on a host are disposable. */
  cleanups?: Record<string, CleanupRule>;
  /** Logs runbooks may rotate, by name. */
  logs?: Record<string, LogRotation>;
  /** The logrotate command (default `logrotate`). */
  logrotate?: string;
}

const unitName = /^[A-Za-z0-9@_.:-]+$/;
const maxArgs = 16;
const maxArgLength = 1024;

/** SSH actions; each runs at most once per action id on its host (see shell.ts). */
export function createSshActivities({ ssh }: { ssh?: SshSettings }) {
  const { runOnce, read } = remoteRunner(ssh);

  return {
    ...createHostActivities({ ssh, runOnce, read }),
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
      return { summary: runSummary(run, `restarted ${params.unit}`), changed: true, details: {} };
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
        summary: runSummary(run, `ran ${params.script}`),
        changed: true,
        details: { output: run.output, ...(allowed.undo ? { undo: allowed.undo } : {}) },
      };
    },
  };
}
