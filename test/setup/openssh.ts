import { sshdUnavailableReason } from '../../worker/stack/sshd';
import { ensureDebianPackages } from './debian';

/** The SSH tests run a real OpenSSH server (Debian's openssh-server). */
export function ensureOpensshServer(log: (line: string) => void): Promise<void> {
  return ensureDebianPackages({
    packages: ['openssh-server'],
    missing: sshdUnavailableReason,
    purpose: 'the SSH tests',
    log,
  });
}
