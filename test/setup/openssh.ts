import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { sshdUnavailableReason } from '../../worker/stack/sshd';

const run = promisify(execFile);

/**
 * The SSH tests run a real OpenSSH server (Debian's openssh-server). Missing, it is installed
 * the way .ci/run does (apt-get, as root); where that cannot be done, the run stops at once with
 * what to install, rather than failing the SSH tests one by one without saying why.
 */
export async function ensureOpensshServer(log: (line: string) => void): Promise<void> {
  const missing = await sshdUnavailableReason();
  if (!missing) return;
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall)
    throw new Error(
      `the SSH tests need a real OpenSSH server, and ${missing}: install it ` +
        '(`sudo apt-get install openssh-server`) or run .ci/run, which does',
    );
  log(`test setup: ${missing}; installing openssh-server with apt-get (as .ci/run does)`);
  const apt = (...args: string[]) =>
    run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      maxBuffer: 64 * 2 ** 20,
    });
  try {
    await apt('update', '-qq');
    await apt('install', '-y', '-qq', 'openssh-server');
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new Error(`could not install openssh-server for the SSH tests (${reason})`);
  }
  const still = await sshdUnavailableReason();
  if (still) throw new Error(`openssh-server was installed, yet ${still}`);
}
