import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { allSearchAttributes } from '../../workflows/search-attributes';
import type { PidFiles } from './pid-files';
import { assertPortFree } from './ports';
import { spawnServiceProcess } from './service-process';

const cliTypeNames: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** Registered when the dev server starts, so incidents are searchable from the first run. */
export const engineSearchAttributes = allSearchAttributes.map((key) => ({
  name: key.name,
  type: cliTypeNames[key.type],
}));

export interface DevServerOptions {
  cliPath: string;
  port: number;
  /** Undefined runs the server headless (tests). */
  uiPort?: number;
  namespace: string;
  /** SQLite file for persistence; undefined keeps state in memory (tests). */
  dbFile?: string;
  /** Where the server's own output goes. */
  logFile: string;
  searchAttributes: { name: string; type: string }[];
  readyTimeoutMs?: number;
  /** Records the server's pid (the local stack's, for leftovers of a crashed run). */
  pidFiles?: PidFiles;
}

export interface RunningTemporal {
  address: string;
  uiUrl: string | undefined;
  /** Settles when the server exits, stopped or not. */
  exited: Promise<void>;
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` ourselves (rather than through the SDK's test helper, whose
 * 5 s start wait is too short on a loaded 2-core machine) and waits until its gRPC health check
 * answers.
 */
export async function startTemporalDevServer(opts: DevServerOptions): Promise<RunningTemporal> {
  await assertPortFree(opts.port, 'the Temporal server', 'AIOPS_TEMPORAL_PORT');
  if (opts.uiPort !== undefined) {
    await assertPortFree(opts.uiPort, 'the Temporal Web UI', 'AIOPS_TEMPORAL_UI_PORT');
  }
  await mkdir(dirname(opts.logFile), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    ...(opts.uiPort === undefined ? ['--headless'] : ['--ui-port', String(opts.uiPort)]),
    '--namespace',
    opts.namespace,
    '--log-level',
    'warn',
    ...opts.searchAttributes.flatMap((a) => ['--search-attribute', `${a.name}=${a.type}`]),
  ];
  if (opts.dbFile) {
    await mkdir(dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  const logStream = createWriteStream(opts.logFile, { flags: 'a' });
  const server = spawnServiceProcess(opts.cliPath, args, {
    graceMs: 10_000,
    ...(opts.pidFiles && { pidFile: { files: opts.pidFiles, name: 'temporal' } }),
  });
  const { child } = server;
  child.stdout.pipe(logStream);
  child.stderr.pipe(logStream);

  const address = `127.0.0.1:${opts.port}`;
  try {
    await waitUntilHealthy(address, child, opts.readyTimeoutMs ?? 90_000, opts.logFile);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    address,
    uiUrl: opts.uiPort === undefined ? undefined : `http://127.0.0.1:${opts.uiPort}`,
    exited: server.exited,
    pid: server.child.pid,
    stop: server.stop,
  };
}

async function waitUntilHealthy(
  address: string,
  child: ChildProcess,
  timeoutMs: number,
  logFile: string,
) {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`temporal server exited with code ${child.exitCode}; see ${logFile}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(
    `Temporal server at ${address} not ready after ${timeoutMs} ms (${lastError}); see ${logFile}`,
  );
}
