import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { ApprovalPolicy } from '../../activities/approval-policy';
import { createPool } from '../../store/db';
import { migrate } from '../../store/migrate';
import { loadConfig } from '../../worker/config';
import { freePort } from '../../worker/stack/ports';
import { startEmbeddedPostgres } from '../../worker/stack/postgres';
import { ensureTemporalCli } from '../../worker/stack/temporal-cli';
import { engineSearchAttributes, startTemporalDevServer } from '../../worker/stack/temporal-server';
import { startWorkers } from '../../worker/worker';
import { testAuthority } from '../runbooks/fakes';
import { replayScenarios } from './scenarios';

/** Someone must be allowed to answer the scenarios that pass a gate. */
const recordingPolicy: ApprovalPolicy = {
  requiredFrom: 'medium',
  twoApproversFrom: 'high',
  groups: { oncall: ['alice'] },
  authorityKeys: [testAuthority.publicKey],
};

/**
 * Records one history per replay scenario into test/replay/histories (run after workflow
 * changes); scenario names as arguments record only those.
 */
async function main() {
  const workDir = await mkdtemp(join(tmpdir(), 'aiops-record-'));
  await chmod(workDir, 0o755);
  const only = process.argv.slice(2);
  const config = loadConfig({ AIOPS_TASK_QUEUE_PREFIX: 'record' });
  const pg = await startEmbeddedPostgres({ dataDir: join(workDir, 'pg'), port: await freePort() });
  const cli = await ensureTemporalCli(
    resolve('.aiops', 'tools'),
    process.env.TEMPORAL_CLI_PATH,
    console.log,
  );
  const temporal = await startTemporalDevServer({
    cliPath: cli.path,
    port: await freePort(),
    namespace: 'default',
    logFile: join(workDir, 'temporal.log'),
    searchAttributes: engineSearchAttributes,
  });
  const pool = createPool(pg.url);
  try {
    await migrate(pg.url);
    const workers = await startWorkers({
      config,
      address: temporal.address,
      deps: { pool, approvalPolicy: recordingPolicy },
    });
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    for (const scenario of replayScenarios) {
      if (only.length > 0 && !only.includes(scenario.name)) continue;
      const workflowId = await scenario.run(client, config.taskQueues.housekeeping);
      // The CLI's JSON is the canonical history format that historyFromJSON reads back.
      const { stdout } = await promisify(execFile)(
        cli.path,
        [
          'workflow',
          'show',
          '--address',
          temporal.address,
          '--workflow-id',
          workflowId,
          '--output',
          'json',
        ],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      const file = resolve(__dirname, 'histories', `${scenario.name}.json`);
      await writeFile(file, stdout);
      console.log(`recorded ${file}`);
    }
    await connection.close();
    await workers.shutdown();
  } finally {
    await pool.end();
    await temporal.stop();
    await pg.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
