import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshActivities, type SshSettings } from '../../activities/ssh';
import { fingerprintOf, isTrustedHostKey } from '../../activities/ssh/known-hosts';
import { shellQuote } from '../../activities/ssh/shell';
import { sshLogin, startSshd, type TestSshd } from '../fixtures/sshd/sshd';
import { quietActivityEnvironment, quietRuntime } from '../setup/temporal';

/** The SSH actions against a real OpenSSH server on loopback. */
describe('SSH actions', () => {
  let sshd: TestSshd;
  let settings: SshSettings;
  let runs: string;
  const activity = quietActivityEnvironment();

  beforeAll(async () => {
    quietRuntime();
    sshd = await startSshd();
    runs = `${sshd.dir}/runs.log`;
    const echo = await sshd.script(
      'echo-args',
      `echo run >> ${runs}; for a in "$@"; do printf 'arg:%s\\n' "$a"; done`,
    );
    const slow = await sshd.script('slow', `echo run >> ${runs}.slow; sleep 2; echo done`);
    const chatty = await sshd.script('chatty', 'head -c 100000 /dev/zero | tr "\\0" x');
    const broken = await sshd.script('broken', 'echo "disk full" >&2; exit 3');
    settings = {
      ...sshLogin(sshd),
      scripts: {
        echo: { command: [echo] },
        slow: { command: [slow] },
        chatty: { command: [chatty] },
        broken: { command: [broken] },
      },
      markerDir: `${sshd.dir}/markers`,
      maxOutputBytes: 1000,
    };
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const actionId = () => `wf/run/${randomBytes(4).toString('hex')}`;
  const runScript = (s: SshSettings, script: string, args: string[], id = actionId()) => {
    const run = createSshActivities({ ssh: s }).sshRunScript;
    return activity.run(run, {
      actionId: id,
      params: { host: sshd.host, script, args },
    }) as ReturnType<typeof run>;
  };

  it('passes hostile arguments as literal argv: the shell never executes them', async () => {
    const pwned = `${sshd.dir}/pwned`;
    const hostile = [
      `; touch ${pwned}`,
      `$(touch ${pwned})`,
      `\`touch ${pwned}\``,
      `' ; touch ${pwned} '`,
      'a\nb',
    ];
    const result = await runScript(settings, 'echo', hostile);
    expect(existsSync(pwned)).toBe(false);
    expect(result.details.output).toBe(hostile.map((a) => `arg:${a}\n`).join(''));
  });

  it('refuses a host whose key is not pinned, or pinned to a different key', async () => {
    const ranBefore = existsSync(runs) ? await readFile(runs, 'utf8') : '';
    const unknown = { ...settings, pins: { knownHosts: '' } };
    const err = await runScript(unknown, 'echo', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('HostKeyRejected');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    const otherKey = sshd.knownHosts.replace(
      /ssh-ed25519 \S+/,
      `ssh-ed25519 ${randomBytes(51).toString('base64')}`,
    );
    await expect(
      runScript({ ...settings, pins: { knownHosts: otherKey } }, 'echo', []),
    ).rejects.toMatchObject({
      type: 'HostKeyRejected',
    });
    expect(existsSync(runs) ? await readFile(runs, 'utf8') : '').toBe(ranBefore);
  });

  it('accepts a host pinned by SHA-256 fingerprint instead of known_hosts', async () => {
    const key = Buffer.from(sshd.knownHosts.split(' ')[2] ?? '', 'base64');
    const pinned = {
      ...settings,
      pins: { knownHosts: '', fingerprints: { [sshd.host]: [fingerprintOf(key)] } },
    };
    await expect(runScript(pinned, 'echo', ['ok'])).resolves.toMatchObject({ changed: true });
  });

  it('runs a retried action once, whether the first attempt finished or is still running', async () => {
    const id = actionId();
    const [first, concurrent] = await Promise.all([
      runScript(settings, 'slow', [], id),
      new Promise((r) => setTimeout(r, 500)).then(() => runScript(settings, 'slow', [], id)),
    ]);
    const retry = await runScript(settings, 'slow', [], id);
    expect(first.summary).toBe(`ran slow on ${sshd.host}`);
    expect(concurrent.summary).toMatch(/already run by an earlier attempt/);
    expect(retry.details.output).toBe('done\n');
    expect(await readFile(`${runs}.slow`, 'utf8')).toBe('run\n');
  });

  it('caps output, and fails (without retrying) on a non-zero exit', async () => {
    const chatty = await runScript(settings, 'chatty', []);
    expect(chatty.details.output).toMatch(/^x{1000}\n\[output truncated\]$/);
    await expect(runScript(settings, 'broken', [])).rejects.toMatchObject({
      type: 'RemoteCommandFailed',
      nonRetryable: true,
      message: expect.stringMatching(/exited with 3: disk full/),
    });
  });

  it('refuses scripts outside the allow-list and malformed unit names', async () => {
    await expect(runScript(settings, 'rm-rf', [])).rejects.toMatchObject({ type: 'NotAllowed' });
    const restart = createSshActivities({ ssh: settings }).sshRestartUnit;
    await expect(
      activity.run(restart, {
        actionId: actionId(),
        params: { host: sshd.host, unit: '--help; reboot' },
      }),
    ).rejects.toMatchObject({ type: 'InvalidArgument' });
  });
});

describe('host key pins and quoting (pure)', () => {
  const key = randomBytes(51);
  const b64 = key.toString('base64');

  it('matches plain, bracketed-port, wildcard and hashed known_hosts entries', () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('[db1]:2222').digest('base64');
    const pins = (knownHosts: string) => ({ knownHosts });
    expect(isTrustedHostKey(pins(`web1,web2 ssh-ed25519 ${b64}`), 'web2', 22, key)).toBe(true);
    expect(isTrustedHostKey(pins(`web1 ssh-ed25519 ${b64}`), 'web1', 2222, key)).toBe(false);
    expect(isTrustedHostKey(pins(`[web1]:2222 ssh-ed25519 ${b64}`), 'web1', 2222, key)).toBe(true);
    expect(isTrustedHostKey(pins(`*.prod,!bad.prod ssh-ed25519 ${b64}`), 'a.prod', 22, key)).toBe(
      true,
    );
    expect(isTrustedHostKey(pins(`*.prod,!bad.prod ssh-ed25519 ${b64}`), 'bad.prod', 22, key)).toBe(
      false,
    );
    expect(
      isTrustedHostKey(
        pins(`|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${b64}`),
        'db1',
        2222,
        key,
      ),
    ).toBe(true);
    expect(
      isTrustedHostKey(
        pins(`web1 ssh-ed25519 ${b64}\n@revoked web1 ssh-ed25519 ${b64}`),
        'web1',
        22,
        key,
      ),
    ).toBe(false);
  });

  it('single-quotes every argument', () => {
    expect(shellQuote(`it's; rm -rf /`)).toBe(`'it'\\''s; rm -rf /'`);
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});
