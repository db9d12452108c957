/**
 * bench:chaos --incidents (issue #15): the demo's loop (the simulated shop's telemetry → a
 * detected incident → investigation → a runbook acting on the Kubernetes stand-in) while one
 * component of the stack is killed (SIGKILL) at a point of each incident: once it is open,
 * once it is diagnosed, or just after the runbook's first change. Counted from the stand-in's
 * own record of the PATCHes it applied, not from our logs: actions applied more than once,
 * good fixes undone; from the incident table: incidents completed. Bad inputs are sent under
 * the same load. The stack runs compiled, as `npm start` runs it.
 *
 *   npm run bench:chaos -- --incidents
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { PatchRecord } from '../../test/k8s-standin/server';
import type { FaultKind } from '../../simulator/faults';
import { onlineBoutique } from '../../simulator/online-boutique';
import { loadConfig } from '../../worker/config';
import { demoEngineEnv, startDemoCluster, startWorldTraffic } from '../../worker/demo/demo';
import { DemoWorld, demoNamespace, type InjectedFault } from '../../worker/demo/world';
import { freeStackPorts } from '../../worker/stack/ports';
import { createProgress } from '../../worker/stack/progress';
import type { RunningStack } from '../../worker/stack/supervisor';
import { benchHome, compiledStack, killAndTime, peakSampler, printPeaks, sleep } from './measure';

const run = promisify(execFile);
const warmupMs = Number(process.env.CHAOS_WARMUP_SECONDS ?? 180) * 1000;
const maxFaultMs = 240_000;
const quietMs = 45_000;
const rps = 15;
const trafficSeed = 11;
/** Each incident: a runbook-curable fault, a component killed at one of its points. */
const plan: { kind: FaultKind; victim: string; at: KillPoint }[] = [
  { kind: 'bad-deploy', victim: 'worker-remediation', at: 'first change' },
  { kind: 'cpu-saturation', victim: 'PostgreSQL', at: 'first change' },
  { kind: 'memory-leak', victim: 'worker-incident', at: 'diagnosed' },
  { kind: 'bad-deploy', victim: 'Temporal', at: 'first change' },
  { kind: 'cpu-saturation', victim: 'ingest', at: 'opened' },
  { kind: 'memory-leak', victim: 'Neo4j', at: 'diagnosed' },
];
type KillPoint = 'opened' | 'diagnosed' | 'first change';

interface Outcome {
  kind: FaultKind;
  service: string;
  victim: string;
  at: KillPoint;
  /** Whether the point was reached (else the kill came at the fault's deadline). */
  reached: boolean;
  backSeconds: number;
  curedBy: string;
  completed: number;
  incidents: number;
  applied: number;
  repeated: number;
  undone: boolean;
}

/** Changes the stand-in applied (2xx), as the ops it was sent, for one Deployment. */
function applied(patches: readonly PatchRecord[], service: string): string[] {
  return patches
    .filter((p) => p.namespace === demoNamespace && p.name === service && p.status < 300)
    .map((p) => JSON.stringify(p.ops));
}

/** Whether the state the fault put in place is back after a runbook had cured it. */
function undone(f: InjectedFault, deployment: () => unknown): boolean {
  if (f.endedAt === undefined || f.endedBy === 'time') return false;
  const d = deployment() as
    | { spec: { replicas: number; template: { spec?: { containers?: { image?: string }[] } } } }
    | undefined;
  if (f.cure.kind === 'rollback')
    return d?.spec.template.spec?.containers?.[0]?.image === f.cure.badImage;
  if (f.cure.kind === 'scale-out') return (d?.spec.replicas ?? 0) <= f.cure.replicas;
  return false;
}

export async function incidentChaos(): Promise<void> {
  const home = await benchHome('chaos-incidents');
  const env: Record<string, string> = {
    AIOPS_HOME: home,
    ...(await freeStackPorts()),
    AIOPS_INCIDENT_QUIET_SECONDS: String(quietMs / 1000),
    AIOPS_APPROVAL_REQUIRED_FROM: 'high',
  };
  const config = loadConfig({ ...process.env, ...env });
  const cluster = await startDemoCluster();
  const roleEnv = { ...env, ...(await demoEngineEnv(cluster, join(home, 'demo-engine'))) };
  const { startStack } = await compiledStack();
  const stack: RunningStack = await startStack(config, createProgress(), { roleEnv });
  const world = new DemoWorld(cluster.standin, onlineBoutique, {
    transientFaultMs: 90_000,
    trafficSeed,
  });
  const traffic = startWorldTraffic(world, {
    endpoint: stack.otlpHttpEndpoint,
    rps,
    seed: trafficSeed,
  });
  const { peaks, sample } = peakSampler(stack);
  const sampling = setInterval(sample, 500);
  const incidentsSince = async (t: number) =>
    (
      await stack.pool.query<{ status: string; root_cause: unknown }>(
        'SELECT status, root_cause FROM incident WHERE opened_at >= $1',
        [new Date(t)],
      )
    ).rows;
  const outcomes: Outcome[] = [];
  let badInputs: BadInputResult[] = [];
  try {
    console.log(`warming up for ${warmupMs / 1000} s of healthy traffic…`);
    await sleep(warmupMs);
    badInputs = await sendBadInputs(stack, roleEnv);
    for (const [i, step] of plan.entries()) {
      const injectedAt = Date.now();
      const patchesBefore = cluster.standin.patches.length;
      const injected = world.inject(step.kind, 200 + i, injectedAt);
      const service = injected.fault.service;
      console.log(
        `fault ${i + 1}/${plan.length}: ${step.kind} on ${service}; kill ${step.victim} when ${step.at}`,
      );
      const reachedPoint = async () => {
        const rows = await incidentsSince(injectedAt);
        if (step.at === 'opened') return rows.length > 0;
        if (step.at === 'diagnosed') return rows.some((r) => r.root_cause !== null);
        return applied(cluster.standin.patches.slice(patchesBefore), service).length > 0;
      };
      let reached = false;
      while (Date.now() < injectedAt + maxFaultMs / 2) {
        world.activeFaults(Date.now());
        if ((reached = await reachedPoint().catch(() => false))) break;
        await sleep(250);
      }
      const backSeconds = await killAndTime(stack, step.victim);
      while (Date.now() < injectedAt + maxFaultMs && injected.endedAt === undefined) {
        world.activeFaults(Date.now());
        await sleep(1_000);
      }
      if (injected.endedAt === undefined) {
        injected.fault.endMs = Date.now();
        world.activeFaults(Date.now());
      }
      // Quiet, so the incident can close, and a late compensation would show.
      await sleep(quietMs + 30_000);
      const rows = await incidentsSince(injectedAt);
      const changes = applied(cluster.standin.patches.slice(patchesBefore), service);
      const outcome: Outcome = {
        kind: step.kind,
        service,
        victim: step.victim,
        at: step.at,
        reached,
        backSeconds,
        curedBy: injected.endedBy ?? 'not cured',
        completed: rows.filter((r) => r.status === 'resolved' || r.status === 'closed').length,
        incidents: rows.length,
        applied: changes.length,
        repeated: changes.length - new Set(changes).size,
        undone: undone(injected, () => cluster.standin.deployment(demoNamespace, service)),
      };
      outcomes.push(outcome);
      console.log(JSON.stringify(outcome));
    }
  } finally {
    clearInterval(sampling);
    sample();
    await traffic.stop();
    await stack.stop();
    await cluster.close();
    await rm(home, { recursive: true, force: true });
  }
  report(outcomes, badInputs, peaks);
}

interface BadInputResult {
  input: string;
  answer: string;
}

/** The issue's bad inputs, under the demo's load; what each got back. */
async function sendBadInputs(
  stack: RunningStack,
  roleEnv: Record<string, string>,
): Promise<BadInputResult[]> {
  const post = (body: Buffer, type: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.otlpHttpEndpoint}/v1/traces`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': type, ...headers },
    }).then(
      async (r) => `HTTP ${r.status} ${(await r.text()).slice(0, 80).replace(/\s+/g, ' ')}`,
      (err: unknown) => `no answer (${String(err)})`,
    );
  const cli = resolve(process.cwd(), 'dist', 'worker', 'cli.js');
  const investigate = (args: string[]) =>
    run(process.execPath, [cli, 'investigate', ...args], {
      env: { ...process.env, ...roleEnv },
      timeout: 60_000,
    }).then(
      () => 'exit 0',
      (err: { code?: number; stderr?: string }) =>
        `exit ${err.code}: ${(err.stderr ?? '').trim().split('\n')[0]}`,
    );
  return [
    {
      input: 'malformed OTLP protobuf',
      answer: await post(Buffer.from([0x0a, 0xff, 0xff, 0x01]), 'application/x-protobuf'),
    },
    {
      input: 'malformed OTLP JSON',
      answer: await post(Buffer.from('{"resourceSpans":[{'), 'application/json'),
    },
    {
      input: 'oversize OTLP (17 MiB)',
      answer: await post(Buffer.alloc(17 * 2 ** 20), 'application/x-protobuf'),
    },
    { input: '`aiops investigate --start 1`', answer: await investigate(['--start', '1']) },
    {
      input: '`aiops investigate --baseline 1e300`',
      answer: await investigate([
        '--start',
        new Date(Date.now() - 600_000).toISOString(),
        '--baseline',
        '1e300',
      ]),
    },
    {
      input: '`aiops investigate` with --end before --start',
      answer: await investigate([
        '--start',
        new Date(Date.now() - 60_000).toISOString(),
        '--end',
        new Date(Date.now() - 600_000).toISOString(),
      ]),
    },
  ];
}

function report(outcomes: Outcome[], badInputs: BadInputResult[], peaks: Map<string, number>) {
  console.log(
    '\n| # | fault | component killed | when | back after | cured by | incidents completed / opened | changes applied | applied more than once | good fix undone |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const [i, o] of outcomes.entries()) {
    console.log(
      `| ${i + 1} | ${o.kind} on ${o.service} | ${o.victim} | ${o.reached ? o.at : `${o.at} (not reached; at ${maxFaultMs / 2000} s)`} | ${o.backSeconds.toFixed(1)} s | ${o.curedBy} | ${o.completed} / ${o.incidents} | ${o.applied} | ${o.repeated} | ${o.undone ? 'yes' : 'no'} |`,
    );
  }
  const total = (pick: (o: Outcome) => number) => outcomes.reduce((n, o) => n + pick(o), 0);
  console.log(
    `\nfaults cured by a runbook: ${outcomes.filter((o) => o.curedBy !== 'time' && o.curedBy !== 'not cured').length} of ${outcomes.length}; ` +
      `changes applied more than once: ${total((o) => o.repeated)}; good fixes undone: ${total((o) => (o.undone ? 1 : 0))}`,
  );
  console.log('\n| bad input (under load) | answer |');
  console.log('|---|---|');
  for (const b of badInputs) console.log(`| ${b.input} | ${b.answer.replaceAll('|', '\\|')} |`);
  printPeaks(peaks);
}
