import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';

const run = promisify(execFile);

/** Debian's OpenSSH server (package openssh-server). */
export const sshdPath = '/usr/sbin/sshd';

export class SshdUnavailableError extends Error {
  override readonly name = 'SshdUnavailableError';
}

/** Why no local sshd can run here, or undefined when one can (for the demo and `aiops doctor`). */
export async function sshdUnavailableReason(): Promise<string | undefined> {
  try {
    await access(sshdPath, constants.X_OK);
  } catch {
    return `${sshdPath} is not installed (Debian package openssh-server)`;
  }
  // ssh-keygen prints its usage and exits 1 here; only a missing binary matters.
  const keygen = await run('ssh-keygen', ['-?']).then(
    () => true,
    (err: NodeJS.ErrnoException) => err.code !== 'ENOENT',
  );
  return keygen ? undefined : 'ssh-keygen is not installed (Debian package openssh-client)';
}

/**
 * A real OpenSSH server (Debian's /usr/sbin/sshd) on a free loopback port, with its own host
 * key, a user key in its authorized_keys and its own config, all kept in `dir`. Sessions log in
 * as the current user (only that user can log in to an unprivileged sshd anyway).
 */
export interface LocalSshd {
  host: string;
  port: number;
  username: string;
  /** The user key the server accepts (also in `dir`/user_ed25519_key). */
  privateKey: Buffer;
  /** known_hosts content pinning this server's host key at its port. */
  knownHosts: string;
  dir: string;
  stop(): Promise<void>;
}

export interface LocalSshdOptions {
  /** Keys, config, pid file; keys already there are reused. */
  dir: string;
  /** Directories put in front of the sessions' PATH (e.g. a shim of a command). */
  pathPrefix?: string[];
  /** Written as the host key's comment. */
  name?: string;
}

function waitForBanner(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`sshd did not listen on ${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

async function ensureKey(path: string, comment: string): Promise<void> {
  if (existsSync(path)) return;
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
}

export async function startLocalSshd(opts: LocalSshdOptions): Promise<LocalSshd> {
  const unavailable = await sshdUnavailableReason();
  if (unavailable) throw new SshdUnavailableError(unavailable);
  const { dir } = opts;
  const name = opts.name ?? 'aiops-sshd';
  await mkdir(dir, { recursive: true });
  const hostKey = join(dir, 'host_ed25519_key');
  const userKey = join(dir, 'user_ed25519_key');
  await ensureKey(hostKey, `${name}-host`);
  await ensureKey(userKey, `${name}-user`);
  const authorizedKeys = join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, await readFile(`${userKey}.pub`), { mode: 0o600 });
  const username = (await run('id', ['-un'])).stdout.trim();
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      // The directory may be group-writable (a checkout, /tmp), which StrictModes rejects.
      'StrictModes no',
      `AllowUsers ${username}`,
      ...(opts.pathPrefix?.length
        ? [`SetEnv PATH=${[...opts.pathPrefix, '/usr/local/bin:/usr/bin:/bin'].join(':')}`]
        : []),
      '',
    ].join('\n'),
  );
  // Debian's sshd insists on its privilege separation directory when started as root.
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const child = spawn(sshdPath, ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    await waitForBanner(port, 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}: ${stderr.trim()}`);
  }
  const [keyType, keyBase64] = (await readFile(`${hostKey}.pub`, 'utf8')).split(' ');
  return {
    host: '127.0.0.1',
    port,
    username,
    privateKey: await readFile(userKey),
    knownHosts: `[127.0.0.1]:${port} ${keyType} ${keyBase64}\n`,
    dir,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
