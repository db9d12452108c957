/**
 * Approval latency: from a Slack approval click (a signed interaction POSTed to the gateway's
 * Bolt HTTP receiver) to the runbook's first action starting (its ActivityTaskStarted time in
 * the workflow history), and to that action's first write reaching the Kubernetes stand-in.
 * Everything real but Slack and the cluster: Temporal dev server, PostgreSQL, worker, gateway.
 * Run: npm run bench:approval
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { loadKubeConfig } from '../activities/kubernetes';
import { createSlackClient } from '../activities/slack';
import { approvalBlockId, approveActionId } from '../activities/slack/messages';
import { runbookStatusQuery, runbookWorkflowId } from '../runbooks/sdk/messages';
import type { RunbookWorkflow } from '../runbooks/sdk/runbook';
import { createPool } from '../store/db';
import { migrate } from '../store/migrate';
import { startK8sStandin } from '../test/k8s-standin/server';
import { buttonPayload, postInteraction } from '../test/fixtures/slack-standin/interactions';
import { startSlackStandin } from '../test/fixtures/slack-standin/server';
import { createApprovalAuthority } from '../worker/approval-authority';
import { startApprovalGateway } from '../worker/approval-gateway';
import { workerTelemetryOptions } from '../worker/telemetry/temporal-tracing';
import { bundleEngineWorkflows } from '../worker/worker';
import { freePort } from '../worker/stack/ports';
import { startEmbeddedPostgres } from '../worker/stack/postgres';
import { ensureTemporalCli } from '../worker/stack/temporal-cli';
import { engineSearchAttributes, startTemporalDevServer } from '../worker/stack/temporal-server';
import { machineDescription, writeBenchmarkSection } from './report';

const runs = 25;
const warmUp = 3;
const signingSecret = 'bench-signing-secret';
const channel = 'C0BENCH';
const authority = createApprovalAuthority(generateKeyPairSync('ed25519').privateKey);
const taskQueue = 'bench-approval';

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? NaN;
}

/** When the first action activity of the run started, from its history. */
async function firstActionStart(client: Client, workflowId: string, activityType: string) {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = history.events?.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType,
  );
  const started = history.events?.find(
    (e) =>
      String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? '') ===
      String(scheduled?.eventId),
  );
  const t = started?.eventTime;
  if (!t) throw new Error(`${workflowId}: no started ${activityType}`);
  return Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

async function main() {
  Runtime.install({
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  const workDir = await mkdtemp(join(tmpdir(), 'aiops-bench-approval-'));
  await chmod(workDir, 0o755);
  const stops: (() => Promise<unknown>)[] = [() => rm(workDir, { recursive: true, force: true })];
  try {
    console.log('starting PostgreSQL, Temporal, the stand-ins, a worker and the gateway…');
    const [pg, cli] = await Promise.all([
      freePort().then((port) => startEmbeddedPostgres({ dataDir: join(workDir, 'pg'), port })),
      ensureTemporalCli(resolve('.aiops', 'tools'), process.env.TEMPORAL_CLI_PATH, console.log),
    ]);
    stops.push(pg.stop);
    await migrate(pg.url);
    const server = await startTemporalDevServer({
      cliPath: cli.path,
      port: await freePort(),
      namespace: 'default',
      logFile: join(workDir, 'temporal.log'),
      searchAttributes: engineSearchAttributes,
      readyTimeoutMs: 180_000,
    });
    stops.push(server.stop);
    const [k8s, slack, bundle] = await Promise.all([
      startK8sStandin({ rolloutDelayMs: 50 }),
      startSlackStandin(),
      bundleEngineWorkflows(),
    ]);
    stops.push(k8s.close, slack.close);
    const kubeconfig = join(workDir, 'kubeconfig');
    await writeFile(kubeconfig, k8s.kubeconfig());
    const pool = createPool(pg.url);
    stops.push(() => pool.end());
    const workerConnection = await NativeConnection.connect({ address: server.address });
    const worker = await Worker.create({
      connection: workerConnection,
      taskQueue,
      workflowBundle: bundle,
      // The engine's interceptors and the sink its bundle's workflow interceptors export to.
      ...workerTelemetryOptions(undefined),
      activities: createActivities({
        pool,
        kube: loadKubeConfig(kubeconfig),
        slack: { client: createSlackClient('xoxb-bench', slack.apiUrl), channel },
        health: {
          serviceHealth: async (service, since) => ({
            service,
            requests: 1000,
            errorRate: 0,
            p95LatencyMs: 50,
            from: since.toISOString(),
            to: new Date().toISOString(),
          }),
        },
        approvalPolicy: {
          requiredFrom: 'medium',
          twoApproversFrom: 'high',
          groups: { oncall: ['slack:UBENCH'] },
          authorityKeys: [authority.publicKey],
        },
      }),
    });
    const workerDone = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await workerDone;
      await workerConnection.close();
    });
    const connection = await Connection.connect({ address: server.address });
    stops.push(() => connection.close());
    const client = new Client({ connection });
    const gateway = await startApprovalGateway({
      temporal: client,
      gateway: { host: '127.0.0.1', port: 0, identities: {} },
      authority,
      slack: {
        botToken: 'xoxb-bench',
        signingSecret,
        appToken: undefined,
        channel,
        mode: 'http',
        apiUrl: slack.apiUrl,
      },
      log: () => undefined,
    });
    stops.push(gateway.stop);
    const url = `http://127.0.0.1:${gateway.port}/slack/events`;

    const toStart: number[] = [];
    const toWrite: number[] = [];
    for (let i = 0; i < warmUp + runs; i++) {
      const incident = `BENCH-${i}`;
      const deployment = `app-${i}`;
      k8s.addDeployment('bench', deployment, { replicas: 2, image: 'app:1' });
      const handle = await client.workflow.start<RunbookWorkflow>('k8sRolloutRestartV1', {
        taskQueue,
        workflowId: runbookWorkflowId(incident),
        args: [{ incidentId: incident, service: deployment, namespace: 'bench', deployment }],
      });
      const post = await slack.waitFor('chat.postMessage', (a) =>
        String(a.text).includes(incident),
      );
      while (!(await handle.query(runbookStatusQuery)).awaiting)
        await new Promise((r) => setTimeout(r, 20));
      const blocks = post.args.blocks as { type: string; elements?: { value: string }[] }[];
      const value = blocks.find((b) => b.type === 'actions')?.elements?.[0]?.value ?? '';
      const ts = [...slack.messages.values()].find((m) => m.text?.includes(incident))?.ts ?? '';
      const firstWrite = new Promise<number>((resolveWrite) => {
        k8s.onChange = (p) => {
          if (p.name === deployment) resolveWrite(Date.now());
        };
      });
      const payload = buttonPayload({
        userId: 'UBENCH',
        actionId: approveActionId,
        blockId: approvalBlockId,
        value,
        channel,
        messageTs: ts,
      });
      const clickedAt = Date.now();
      const res = await postInteraction(url, signingSecret, payload);
      if (res.status !== 200) throw new Error(`gateway answered ${res.status}`);
      const wroteAt = await firstWrite;
      const result = await handle.result();
      if (result.outcome !== 'succeeded')
        throw new Error(`${incident}: ${result.outcome} ${result.reason ?? ''}`);
      if (i < warmUp) continue;
      toStart.push(
        (await firstActionStart(client, handle.workflowId, 'k8sRolloutRestart')) - clickedAt,
      );
      toWrite.push(wroteAt - clickedAt);
    }

    const row = (name: string, xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return `| ${name} | ${percentile(s, 50)} | ${percentile(s, 95)} | ${s[0]} | ${s[s.length - 1]} |`;
    };
    const date = new Date().toISOString().slice(0, 10);
    const md = [
      '## Approval latency (Slack click → first action)',
      '',
      `Command: \`npm run bench:approval\` · Machine: ${machineDescription()} · Date: ${date}`,
      '',
      `${runs} runs of \`k8s-rollout-restart\` v1 (after ${warmUp} warm-up runs), one at a time. Each waits`,
      'at its approval gate; the click is a correctly signed `block_actions` interaction POSTed',
      "to the approval gateway's Bolt HTTP receiver, which sends the `approve` Update. Measured",
      "from just before the POST to the first action activity's start (ActivityTaskStarted in",
      "the history), and to the action's first PATCH reaching the Kubernetes stand-in. In",
      'between: Update validation, the audit insert into PostgreSQL and the Slack message edit',
      '(to the Web API stand-in), all real except Slack and the cluster. Temporal dev server and',
      'PostgreSQL on the same machine. Target: < 1000 ms.',
      '',
      '| click → | median ms | p95 ms | min ms | max ms |',
      '|---|---:|---:|---:|---:|',
      row('action activity started', toStart),
      row('first write at the cluster', toWrite),
    ].join('\n');
    console.log(md);
    await writeBenchmarkSection('approval', md);
  } finally {
    while (stops.length)
      await stops
        .pop()?.()
        .catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
