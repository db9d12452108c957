import { createHash } from 'node:crypto';
import type { ActionRequest, ActionResult } from '../../runbooks/sdk/types';
import type { SshSettings } from './index';
import { failed, runSummary, type RemoteRun } from './remote';

/** Files on a host that may be deleted to free disk: regular files in `dir` named like `names`. */
export interface CleanupRule {
  /** Absolute directory; the search does not leave its file system. */
  dir: string;
  /** find -name patterns (`*.gz`, `core.*`); never a path. */
  names: string[];
  /** Only files not modified for this long (default 60 minutes: not what is being written). */
  olderThanMinutes?: number;
  /** Search below `dir` too (default: `dir` only). */
  recursive?: boolean;
}

/** How a log is rotated: `logrotate --force` of its configuration, or copy-truncate of files. */
export type LogRotation = { config: string } | { copyTruncate: string[] };

export interface DisposableFile {
  path: string;
  bytes: number;
}

/** Files listed for approval at most; the rest are counted (largest are listed first). */
const maxListed = 100;

interface Remote {
  ssh: SshSettings | undefined;
  runOnce(actionId: string, host: string, argv: string[]): Promise<RemoteRun>;
  read(host: string, argv: string[]): Promise<string>;
}

const absolute = (p: string) => p.startsWith('/') && !p.split('/').includes('..');

function cleanupRule(ssh: SshSettings | undefined, name: string): CleanupRule {
  const rule = ssh?.cleanups?.[name];
  if (!rule) throw failed(`cleanup ${name} is not allow-listed`, 'NotAllowed');
  if (!absolute(rule.dir) || rule.names.length === 0 || rule.names.some((n) => n.includes('/')))
    throw failed(`cleanup ${name}: dir must be absolute, names plain patterns`, 'InvalidArgument');
  return rule;
}

/** The find(1) call listing a rule's files as `<bytes>\t<path>\0`. */
function findArgv(rule: CleanupRule): string[] {
  const names = rule.names.flatMap((n, i) => (i === 0 ? ['-name', n] : ['-o', '-name', n]));
  return [
    'find',
    rule.dir,
    '-xdev',
    ...(rule.recursive ? [] : ['-maxdepth', '1']),
    '-type',
    'f',
    '(',
    ...names,
    ')',
    '-mmin',
    `+${rule.olderThanMinutes ?? 60}`,
    '-printf',
    '%s\\t%p\\0',
  ];
}

function parseListing(out: string): DisposableFile[] {
  return out
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      return { path: line.slice(tab + 1), bytes: Number(line.slice(0, tab)) };
    })
    .sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path));
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** Disk and log actions on hosts, each limited to what the worker's allow-lists name. */
export function createHostActivities({ ssh, runOnce, read }: Remote) {
  const list = async (host: string, rule: CleanupRule) =>
    parseListing(await read(host, findArgv(rule)));

  return {
    /**
     * Read-only: the files an allow-listed cleanup would delete on a host, largest first (at
     * most 100 listed, all counted), and their total size. Nothing to undo.
     */
    async sshFindDisposableFiles({
      params,
    }: ActionRequest<{ host: string; cleanup: string }>): Promise<
      ActionResult<{ files: DisposableFile[]; count: number; bytes: number }>
    > {
      const rule = cleanupRule(ssh, params.cleanup);
      const found = await list(params.host, rule);
      const bytes = found.reduce((sum, f) => sum + f.bytes, 0);
      const files = found.slice(0, maxListed);
      const shown = files.map((f) => `${f.path} (${formatBytes(f.bytes)})`).join(', ');
      const more = found.length > files.length ? ` and ${found.length - files.length} more` : '';
      return {
        summary:
          found.length === 0
            ? `no file of cleanup ${params.cleanup} in ${rule.dir} on ${params.host}`
            : `${found.length} file(s), ${formatBytes(bytes)} in ${rule.dir} on ${params.host}: ${shown}${more}`,
        changed: false,
        details: { files, count: found.length, bytes },
      };
    },

    /**
     * Deletes the approved files that the cleanup's rule still matches when it runs (a file
     * written to since, or a path the rule does not cover, is kept). Idempotent: a retry finds
     * them gone and deletes nothing. Cannot be undone: the point is to free their space.
     */
    async sshDeleteDisposableFiles({
      actionId,
      params,
    }: ActionRequest<{ host: string; cleanup: string; paths: string[] }>): Promise<
      ActionResult<{ deleted: string[]; bytes: number; kept: string[] }>
    > {
      const rule = cleanupRule(ssh, params.cleanup);
      const matching = new Map((await list(params.host, rule)).map((f) => [f.path, f.bytes]));
      const deleted = params.paths.filter((p) => matching.has(p));
      const kept = params.paths.filter((p) => !matching.has(p));
      const bytes = deleted.reduce((sum, p) => sum + (matching.get(p) ?? 0), 0);
      if (deleted.length === 0)
        return {
          summary: `nothing to delete on ${params.host}: the ${params.paths.length} approved file(s) are gone or no longer match`,
          changed: false,
          details: { deleted, bytes, kept },
        };
      const run = await runOnce(actionId, params.host, ['rm', '-f', '--', ...deleted]);
      return {
        summary: runSummary(
          run,
          `deleted ${deleted.length} file(s), ${formatBytes(bytes)} in ${rule.dir}${kept.length > 0 ? `; kept ${kept.length} no longer matching` : ''}`,
        ),
        changed: true,
        details: { deleted, bytes, kept },
      };
    },

    /**
     * Rotates an allow-listed log: `logrotate --force <config>`, or for logs without one a
     * copy-truncate (the copy `<file>.<run id>` keeps every line; the writer keeps its open file).
     * At most once per action id. Cannot be undone: the rotated lines are all kept, and writing
     * them back would interleave with what was logged since.
     */
    async sshRotateLogs({
      actionId,
      params,
    }: ActionRequest<{ host: string; log: string }>): Promise<ActionResult<{ rotated: string[] }>> {
      const rotation = ssh?.logs?.[params.log];
      if (!rotation) throw failed(`log ${params.log} is not allow-listed`, 'NotAllowed');
      if ('config' in rotation) {
        if (!absolute(rotation.config))
          throw failed(`log ${params.log}: config must be absolute`, 'InvalidArgument');
        const run = await runOnce(actionId, params.host, [
          ssh?.logrotate ?? 'logrotate',
          '--force',
          rotation.config,
        ]);
        return {
          summary: runSummary(run, `rotated ${params.log} by ${rotation.config}`),
          changed: true,
          details: { rotated: [rotation.config] },
        };
      }
      if (rotation.copyTruncate.length === 0 || !rotation.copyTruncate.every(absolute))
        throw failed(`log ${params.log}: files must be absolute paths`, 'InvalidArgument');
      const suffix = createHash('sha256').update(actionId).digest('hex').slice(0, 12);
      const run = await runOnce(actionId, params.host, [
        'sh',
        '-c',
        copyTruncateScript,
        'aiops-rotate',
        suffix,
        ...rotation.copyTruncate,
      ]);
      const rotated = run.output.split('\n').filter(Boolean);
      return {
        summary: runSummary(
          run,
          rotated.length > 0
            ? `rotated ${rotated.join(', ')}`
            : `no file of ${params.log} to rotate`,
        ),
        changed: rotated.length > 0,
        details: { rotated },
      };
    },
  };
}

/** `$1` the copies' suffix, then the files: each non-empty one is copied, then emptied. */
const copyTruncateScript = `set -eu
suffix=$1
shift
for f in "$@"; do
  [ -f "$f" ] && [ -s "$f" ] || continue
  [ -e "$f.$suffix" ] || cp -p -- "$f" "$f.$suffix"
  : > "$f"
  echo "$f -> $f.$suffix ($(wc -c < "$f.$suffix") bytes)"
done`;
