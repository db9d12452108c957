import { readFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SshSettings } from '../../activities/ssh';
import { shellQuote } from '../../activities/ssh/shell';
import { startLocalSshd } from '../stack/sshd';

/**
 * The demo's one service "on a host" instead of in a Deployment: a real OpenSSH server on
 * loopback that the engine's SSH actions log in to. Its `systemctl` is a shim first on the
 * session's PATH: the service is a process of the simulated world, not a systemd unit, so a
 * restart is recorded in a file that the demo world reads as the restart.
 */
export interface DemoHost {
  /** The service it runs; its unit has the same name. */
  service: string;
  /** Its telemetry's host.name, and where the SSH actions connect. */
  hostName: string;
  /** The engine's SSH settings for this host (user key, port, pinned host key). */
  ssh: SshSettings;
  /** How many times `systemctl restart <unit>` ran on the host. */
  restarts(unit: string): number;
  close(): Promise<void>;
}

function shim(restartsLog: string): string {
  return `#!/bin/sh
# aiops demo: a stand-in for systemctl. The demo's units are processes of the simulated world,
# so "systemctl restart <unit>" records the restart where the demo world looks for it.
[ "$1" = restart ] || { echo "demo systemctl: only restart is simulated" >&2; exit 1; }
shift
[ "$1" = -- ] && shift
for unit in "$@"; do echo "$unit" >> ${shellQuote(restartsLog)}; done
echo "restarted $*"
`;
}

/** Starts the host's sshd with its state in `dir` (keys are kept across runs). */
export async function startDemoHost(opts: { dir: string; service: string }): Promise<DemoHost> {
  const bin = join(opts.dir, 'bin');
  const restartsLog = join(opts.dir, 'restarts.log');
  await mkdir(bin, { recursive: true });
  const systemctl = join(bin, 'systemctl');
  await writeFile(systemctl, shim(restartsLog));
  await chmod(systemctl, 0o755);
  // Restarts of an earlier run are not this world's.
  await writeFile(restartsLog, '');
  const sshd = await startLocalSshd({ dir: opts.dir, pathPrefix: [bin], name: 'aiops-demo' });
  return {
    service: opts.service,
    hostName: sshd.host,
    ssh: {
      username: sshd.username,
      port: sshd.port,
      privateKey: sshd.privateKey,
      pins: { knownHosts: sshd.knownHosts },
      scripts: {},
      markerDir: join(opts.dir, 'actions'),
    },
    restarts(unit) {
      return readFileSync(restartsLog, 'utf8')
        .split('\n')
        .filter((line) => line === unit).length;
    },
    close: () => sshd.stop(),
  };
}
