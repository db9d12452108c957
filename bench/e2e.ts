import '../activities/undici-node20';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { onlineBoutique } from '../simulator/online-boutique';
import { loadConfig } from '../worker/config';
import { demoEngineEnv, startDemoCluster, startWorldTraffic } from '../worker/demo/demo';
import { DemoWorld, worldFaultKinds, type WorldFaultKind } from '../worker/demo/world';
import { freeStackPorts } from '../worker/stack/ports';
import { createProgress } from '../worker/stack/progress';
import { startStack } from '../worker/stack/supervisor';
import { alertSignalsDescription, startAlertSignals } from './e2e-alerts';
import { remedyOf } from './e2e-remedies';
import { machineDescription, writeBenchmarkSection } from './report';
import { median } from '../activities/rca/stats';

/**
 * The whole loop, measured: the simulated shop streams OTLP to the engine (real PostgreSQL,
 * Temporal, Neo4j, workers, receivers, schedules), faults are injected one after another, and
 * the incident table is polled for when each fault was detected, diagnosed and recovered.
 * Runbooks are auto-approved (AIOPS_APPROVAL_REQUIRED_FROM=never-like: high risk only).
 */
const faultCount = Number(process.env.E2E_FAULTS ?? 20);
const faultFreeMinutes = Number(process.env.E2E_FAULT_FREE_MINUTES ?? 10);
/** The fault kinds injected in turn: all by default, or those E2E_KINDS names (a bounded run). */
const kinds = faultKindsFrom(process.env.E2E_KINDS);
const rps = 15;
const warmupMs = 240_000;
const maxFaultMs = 240_000;
const quietMs = 45_000;
const transientFaultMs = 90_000;
const trafficSeed = 11;
/** How the faults reach the engine: OTLP from the shop, or only Alertmanager and Prometheus. */
const signals = parseArgs({ options: { signals: { type: 'string', default: 'otlp' } } }).values
  .signals;
if (signals !== 'otlp' && signals !== 'alerts')
  throw new Error(`--signals is otlp (the default) or alerts, not "${signals}"`);

interface IncidentRow {
  incident_id: string;
  opened_at: Date;
  services: string[];
  root_cause: { service: string } | null;
  status: string;
  runbook: string | null;
  resolution: string | null;
}

function faultKindsFrom(list: string | undefined): readonly WorldFaultKind[] {
  if (!list) return worldFaultKinds;
  const named = list.split(',').map((k) => k.trim());
  const unknown = named.filter((k) => !(worldFaultKinds as readonly string[]).includes(k));
  if (unknown.length || !named.length) {
    throw new Error(
      `E2E_KINDS: unknown fault kind(s) ${unknown.join(', ')}; known: ${worldFaultKinds.join(', ')}`,
    );
  }
  return named as WorldFaultKind[];
}

interface FaultOutcome {
  kind: WorldFaultKind;
  service: string;
  detectS?: number;
  rootCauseS?: number;
  recoverS?: number;
  curedBy?: string;
  rootCauseRight: boolean;
  incidents: number;
  /** What the engine did about the fault's incidents (runbook and how its run ended). */
  remedies: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const home = await mkdtemp(join(tmpdir(), 'aiops-e2e-'));
  await chmod(home, 0o755);
  console.log(`stack state and logs in ${home}`);
  const ports = await freeStackPorts();
  const alerts =
    signals === 'alerts'
      ? await startAlertSignals({
          dir: join(home, 'prometheus'),
          receiverHttpPort: Number(ports.AIOPS_OTLP_HTTP_PORT),
        })
      : undefined;
  const env = {
    ...process.env,
    AIOPS_HOME: home,
    ...ports,
    ...alerts?.roleEnv,
    AIOPS_INCIDENT_QUIET_SECONDS: String(quietMs / 1000),
    AIOPS_APPROVAL_REQUIRED_FROM: 'high',
  };
  const config = loadConfig(env);
  // Share the project's Neo4j jars and Temporal CLI instead of fetching them again.
  config.investigation.neo4j.home = join(home, 'neo4j');
  config.temporal.toolsDir = join(process.cwd(), '.aiops', 'tools');
  const cluster = await startDemoCluster();
  const stack = await startStack(config, createProgress(), {
    roleEnv: { ...env, ...(await demoEngineEnv(cluster, join(home, 'demo-engine'))) },
  });
  const world = new DemoWorld(cluster.standin, onlineBoutique, {
    transientFaultMs,
    trafficSeed,
  });
  const traffic = alerts
    ? alerts.startTraffic(world, { rps, seed: trafficSeed })
    : startWorldTraffic(world, { endpoint: stack.otlpHttpEndpoint, rps, seed: trafficSeed });
  const outcomes: FaultOutcome[] = [];
  // An unrecovered or missed fault is explained by the stack's logs (logs/), workflow histories
  // (temporal/temporal.db) and tables (postgres/), so the state is kept then, or when asked;
  // a clean run's 300–400 MB are removed.
  const keepState = () =>
    process.env.E2E_KEEP_STATE === '1' ||
    outcomes.length < faultCount ||
    outcomes.some(
      (o) => o.detectS === undefined || (o.curedBy !== 'time' && o.recoverS === undefined),
    );
  const shutDown = async () => {
    await traffic.stop();
    await alerts?.stop();
    await stack.stop();
    await cluster.close();
    if (keepState()) console.log(`stack state and logs kept in ${home} (delete it when done)`);
    else await rm(home, { recursive: true, force: true });
  };
  // Stopped by hand, the run still stops the servers it started.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`${signal}: stopping the stack…`);
      void shutDown().finally(() => process.exit(130));
    });
  }
  const pool = stack.pool;
  const incidentsSince = async (t: number) =>
    (
      await pool.query<IncidentRow>(
        'SELECT incident_id, opened_at, services, root_cause, status, runbook, resolution FROM incident WHERE opened_at >= $1 ORDER BY opened_at',
        [new Date(t)],
      )
    ).rows;
  const anomaliesSince = async (t: number) =>
    Number(
      (
        await pool.query<{ n: string | null }>(
          "SELECT sum((result->>'anomalies')::int) AS n FROM detection_pass WHERE finished_at >= $1",
          [new Date(t)],
        )
      ).rows[0]?.n ?? 0,
    );
  try {
    console.log(`warming up for ${warmupMs / 1000} s of healthy traffic…`);
    await sleep(warmupMs);
    const freeStart = Date.now();
    if (faultFreeMinutes > 0) {
      console.log(`fault-free period: ${faultFreeMinutes} min`);
      await sleep(faultFreeMinutes * 60_000);
    }
    const falseIncidents = (await incidentsSince(freeStart)).length;
    const faultsStart = Date.now();
    for (let i = 0; i < faultCount; i++) {
      const kind = kinds[i % kinds.length]!;
      const injectedAt = Date.now();
      const injected = world.inject(kind, 100 + i, injectedAt);
      const service = injected.fault.service;
      const outcome: FaultOutcome = {
        kind,
        service,
        rootCauseRight: false,
        incidents: 0,
        remedies: [],
      };
      console.log(`fault ${i + 1}/${faultCount}: ${kind} on ${service}`);
      const deadline = injectedAt + maxFaultMs;
      while (Date.now() < deadline) {
        await sleep(1_000);
        world.activeFaults(Date.now());
        const incidents = await incidentsSince(injectedAt);
        const first = incidents[0];
        if (first && outcome.detectS === undefined) {
          outcome.detectS = (first.opened_at.getTime() - injectedAt) / 1000;
        }
        const diagnosed = incidents.find((r) => r.root_cause);
        if (diagnosed && outcome.rootCauseS === undefined) {
          outcome.rootCauseS = (Date.now() - injectedAt) / 1000;
          outcome.rootCauseRight = diagnosed.root_cause!.service === service;
        }
        if (injected.endedAt !== undefined) {
          outcome.curedBy = injected.endedBy;
          if (injected.endedBy !== 'time')
            outcome.recoverS = (injected.endedAt - injectedAt) / 1000;
          // One that passed by itself is still watched until diagnosed or the deadline: its
          // incident may open after it passed (alerts wait out their rules' \`for\`).
          if (injected.endedBy !== 'time' || outcome.rootCauseS !== undefined) break;
        }
      }
      if (injected.endedAt === undefined) {
        // Not cured in time: reported as such, then lifted, so that it does not stay under
        // every later fault (one wrong diagnosis would otherwise spoil the rest of the run).
        injected.fault.endMs = Date.now();
        world.activeFaults(Date.now());
      }
      // Let the fault's incident go quiet before the next fault.
      await sleep(quietMs + 15_000);
      const opened = await incidentsSince(injectedAt);
      outcome.incidents = opened.length;
      outcome.remedies = await Promise.all(opened.map((r) => remedyOf(stack.client, r)));
      outcomes.push(outcome);
      console.log(JSON.stringify(outcome));
    }
    const anomalies = await anomaliesSince(faultsStart);
    const incidents = (await incidentsSince(faultsStart)).length;
    const detect = outcomes.flatMap((o) => (o.detectS === undefined ? [] : [o.detectS]));
    const rca = outcomes.flatMap((o) => (o.rootCauseS === undefined ? [] : [o.rootCauseS]));
    const recover = outcomes.flatMap((o) => (o.recoverS === undefined ? [] : [o.recoverS]));
    const rows = outcomes
      .map(
        (o, i) =>
          `| ${i + 1} | ${o.kind} | ${o.service} | ${o.detectS?.toFixed(0) ?? 'missed'} | ${o.rootCauseS?.toFixed(0) ?? '–'} | ${o.rootCauseRight ? 'yes' : 'no'} | ${o.recoverS?.toFixed(0) ?? (o.curedBy === 'time' ? 'passed by itself' : 'not recovered')} | ${o.incidents} | ${o.remedies.join('; ') || '–'} |`,
      )
      .join('\n');
    const pct = (n: number) => `${((100 * n) / Math.max(1, outcomes.length)).toFixed(0)}%`;
    const bounded = process.env.E2E_KINDS ? ` E2E_KINDS=${kinds.join(',')}` : '';
    const variant = alerts ? ': alerts and Prometheus only' : '';
    const heading = process.env.E2E_KINDS
      ? `### Bounded to some fault kinds (${kinds.join(', ')})${variant}`
      : `## End to end (detect → diagnose → fix)${variant}`;
    const md = `${heading}

\`E2E_FAULTS=${faultCount} E2E_FAULT_FREE_MINUTES=${faultFreeMinutes}${bounded} npm run bench:e2e${alerts ? ' -- --signals alerts' : ''}\` — ${machineDescription()}, ${new Date().toISOString().slice(0, 10)}.

The whole engine (embedded PostgreSQL, Temporal dev server, Neo4j, workers, OTLP receivers,
detection every ${config.detection.intervalSeconds} s) with the Online Boutique simulator at ${rps} req/s ${alerts ? alertSignalsDescription : 'streaming OTLP/HTTP'},
its Deployments behind the local Kubernetes stand-in. Faults are injected one after another;
bad deploys, memory leaks and CPU saturation last until a runbook rolls back, restarts or
scales out the Deployment, and an OOM kill (a leak under too low a memory limit: the pod shows
OOMKilled, and a restart changes nothing) until one raises the limit (one not cured within ${maxFaultMs / 1000} s is reported so and then lifted before
the next fault); the other kinds pass after ${transientFaultMs / 1000} s (no runbook cures them here).
Runbooks up to medium risk are auto-approved. ${faultCount} faults (target ≥ 20).

| # | fault | service | detect (s) | root cause (s) | top cause right | recovered (s) | incidents | runbook: outcome |
|---|---|---|---|---|---|---|---|---|
${rows}

| measure | result | target |
|---|---|---|
| median time to detect | ${median(detect).toFixed(0)} s (${detect.length}/${outcomes.length} detected) | ≤ 20 s |
| median time to root cause | ${median(rca).toFixed(0)} s | – |
| median time to recover (runbook-curable faults) | ${recover.length ? `${median(recover).toFixed(0)} s` : '–'} (${recover.length} recovered) | ≤ 90 s |
| top root cause right | ${pct(outcomes.filter((o) => o.rootCauseRight).length)} | ≥ 90% |
| faults opening exactly one incident | ${pct(outcomes.filter((o) => o.incidents === 1).length)} | ≥ 90% |
| alert reduction (raw anomalies → incidents) | ${anomalies} → ${incidents} (${(100 * (1 - incidents / Math.max(1, anomalies))).toFixed(1)}%) | ≥ 95% |
| false incidents, fault-free period | ${falseIncidents} in ${faultFreeMinutes} min | ≤ 1 per hour |
`;
    console.log(md);
    // A bounded run and the alerts variant have sections of their own: they do not replace the full run's.
    const section = `e2e${alerts ? '-alerts' : ''}${process.env.E2E_KINDS ? '-kinds' : ''}`;
    await writeBenchmarkSection(section, md);
  } finally {
    await shutDown();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
