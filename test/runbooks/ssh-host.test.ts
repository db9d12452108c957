import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshActivities, type SshSettings } from '../../activities/ssh';
import { loadConfig } from '../../worker/config';
import { sshLogin, startSshd, type TestSshd } from '../fixtures/sshd/sshd';
import { quietActivityEnvironment, quietRuntime } from '../setup/temporal';

/** Disk cleanup and log rotation against a real OpenSSH server on loopback. */
describe('host actions over SSH', () => {
  let sshd: TestSshd;
  let settings: SshSettings;
  let spool: string;
  let logs: string;
  const activity = quietActivityEnvironment();
  const hourAgo = new Date(Date.now() - 2 * 3600_000);

  beforeAll(async () => {
    quietRuntime();
    sshd = await startSshd();
    spool = `${sshd.dir}/spool`;
    logs = `${sshd.dir}/logs`;
    await mkdir(`${spool}/deeper`, { recursive: true });
    await mkdir(logs, { recursive: true });
    const logrotate = await sshd.script('logrotate', `echo "$@" >> ${sshd.dir}/logrotate.log`);
    settings = {
      ...sshLogin(sshd),
      scripts: {},
      markerDir: `${sshd.dir}/markers`,
      cleanups: { 'old-dumps': { dir: spool, names: ['*.dump', 'core.*'] } },
      logs: {
        app: { copyTruncate: [`${logs}/app.log`, `${logs}/absent.log`] },
        nginx: { config: '/etc/logrotate.d/nginx' },
      },
      logrotate,
    };
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const actions = () => createSshActivities({ ssh: settings });
  const actionId = () => `wf/run/${randomBytes(4).toString('hex')}`;
  async function file(path: string, bytes: number, mtime = hourAgo) {
    await writeFile(path, Buffer.alloc(bytes, 'x'));
    await utimes(path, mtime, mtime);
  }

  it('lists only old files the cleanup names, largest first, and deletes only those', async () => {
    await file(`${spool}/a.dump`, 3000);
    await file(`${spool}/core.123`, 5000);
    await file(`${spool}/fresh.dump`, 9000, new Date());
    await file(`${spool}/keep.log`, 7000);
    await file(`${spool}/deeper/b.dump`, 100);
    await file(`${spool}/with space.dump`, 10);
    const find = actions().sshFindDisposableFiles;
    const found = (await activity.run(find, {
      actionId: actionId(),
      params: { host: sshd.host, cleanup: 'old-dumps' },
    })) as Awaited<ReturnType<typeof find>>;
    expect(found.details).toEqual({
      files: [
        { path: `${spool}/core.123`, bytes: 5000 },
        { path: `${spool}/a.dump`, bytes: 3000 },
        { path: `${spool}/with space.dump`, bytes: 10 },
      ],
      count: 3,
      bytes: 8010,
    });
    expect(found.summary).toMatch(/^3 file\(s\), 7\.8 KiB in .*core\.123 \(4\.9 KiB\)/);
    expect(existsSync(`${spool}/a.dump`)).toBe(true);

    const del = actions().sshDeleteDisposableFiles;
    const id = actionId();
    // A path the rule does not cover (passed in by a tampered input) is kept.
    const paths = [...found.details.files.map((f) => f.path), `${spool}/keep.log`];
    const params = { host: sshd.host, cleanup: 'old-dumps', paths };
    const deleted = (await activity.run(del, { actionId: id, params })) as Awaited<
      ReturnType<typeof del>
    >;
    expect(deleted.changed).toBe(true);
    expect(deleted.details.bytes).toBe(8010);
    expect(deleted.details.kept).toEqual([`${spool}/keep.log`]);
    for (const gone of ['a.dump', 'core.123', 'with space.dump'])
      expect(existsSync(`${spool}/${gone}`)).toBe(false);
    for (const kept of ['keep.log', 'fresh.dump', 'deeper/b.dump'])
      expect(existsSync(`${spool}/${kept}`)).toBe(true);

    // A retry finds them gone and changes nothing.
    const again = (await activity.run(del, { actionId: id, params })) as Awaited<
      ReturnType<typeof del>
    >;
    expect(again).toMatchObject({ changed: false, details: { deleted: [] } });
  });

  it('refuses a cleanup or log that is not allow-listed', async () => {
    const { sshFindDisposableFiles, sshRotateLogs } = actions();
    await expect(
      activity.run(sshFindDisposableFiles, {
        actionId: actionId(),
        params: { host: sshd.host, cleanup: 'everything' },
      }),
    ).rejects.toMatchObject({ type: 'NotAllowed', nonRetryable: true });
    await expect(
      activity.run(sshRotateLogs, {
        actionId: actionId(),
        params: { host: sshd.host, log: 'syslog' },
      }),
    ).rejects.toMatchObject({ type: 'NotAllowed' });
  });

  it('copy-truncates a log once per action, keeping every line in the copy', async () => {
    await writeFile(`${logs}/app.log`, 'line 1\nline 2\n');
    const rotate = actions().sshRotateLogs;
    const id = actionId();
    const params = { host: sshd.host, log: 'app' };
    const first = (await activity.run(rotate, { actionId: id, params })) as Awaited<
      ReturnType<typeof rotate>
    >;
    expect(first.changed).toBe(true);
    const [rotated] = first.details.rotated;
    expect(rotated).toMatch(
      new RegExp(`^${logs}/app\\.log -> ${logs}/app\\.log\\.\\w{12} \\(14 bytes\\)$`),
    );
    const copy = rotated!.split(' -> ')[1]!.split(' ')[0]!;
    expect(await readFile(copy, 'utf8')).toBe('line 1\nline 2\n');
    expect(await readFile(`${logs}/app.log`, 'utf8')).toBe('');
    // Logged since; a retry of the same action does not rotate again.
    await writeFile(`${logs}/app.log`, 'line 3\n');
    const retry = (await activity.run(rotate, { actionId: id, params })) as Awaited<
      ReturnType<typeof rotate>
    >;
    expect(retry.summary).toMatch(/already run by an earlier attempt/);
    expect(await readFile(`${logs}/app.log`, 'utf8')).toBe('line 3\n');
  });

  it('forces logrotate on a log with a configuration', async () => {
    const rotate = actions().sshRotateLogs;
    const result = (await activity.run(rotate, {
      actionId: actionId(),
      params: { host: sshd.host, log: 'nginx' },
    })) as Awaited<ReturnType<typeof rotate>>;
    expect(result.summary).toBe(`rotated nginx by /etc/logrotate.d/nginx on ${sshd.host}`);
    expect(await readFile(`${sshd.dir}/logrotate.log`, 'utf8')).toBe(
      '--force /etc/logrotate.d/nginx\n',
    );
  });
});

describe('host action allow-lists in the configuration', () => {
  it('reads cleanups and logs, and refuses a relative directory by name', () => {
    const config = loadConfig({
      AIOPS_SSH_CLEANUPS: '{"dumps":{"dir":"/var/crash","names":["core.*"]}}',
      AIOPS_SSH_LOGS: '{"app":{"copyTruncate":["/var/log/app.log"]},"nginx":{"config":"/etc/x"}}',
    });
    expect(config.remediation.ssh.cleanups.dumps).toEqual({ dir: '/var/crash', names: ['core.*'] });
    expect(config.remediation.ssh.logs.nginx).toEqual({ config: '/etc/x' });
    expect(() =>
      loadConfig({ AIOPS_SSH_CLEANUPS: '{"dumps":{"dir":"tmp","names":["*"]}}' }),
    ).toThrow(/AIOPS_SSH_CLEANUPS/);
  });
});
