import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Real servers the tests need from Debian packages. Missing, they are installed the way .ci/run
 * does (apt-get, as root); where that cannot be done, the run stops at once saying what to
 * install, rather than failing those tests one by one without saying why.
 */
export async function ensureDebianPackages(opts: {
  packages: string[];
  /** Why they cannot run yet, or undefined when they can. */
  missing: () => Promise<string | undefined>;
  purpose: string;
  log: (line: string) => void;
}): Promise<void> {
  const missing = await opts.missing();
  if (!missing) return;
  const list = opts.packages.join(' ');
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall)
    throw new Error(
      `${opts.purpose} need ${list}, and ${missing}: install it (\`sudo apt-get install ${list}\`) or run .ci/run, which does`,
    );
  opts.log(`test setup: ${missing}; installing ${list} with apt-get (as .ci/run does)`);
  const apt = (...args: string[]) =>
    run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      maxBuffer: 64 * 2 ** 20,
    });
  try {
    await apt('update', '-qq');
    await apt('install', '-y', '-qq', '--no-install-recommends', ...opts.packages);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new Error(`could not install ${list} for ${opts.purpose} (${reason})`);
  }
  const still = await opts.missing();
  if (still) throw new Error(`${list} installed, yet ${still}`);
}
