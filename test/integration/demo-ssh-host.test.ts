import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshActivities } from '../../activities/ssh';
import { startReceivers, type RunningReceivers } from '../../ingest/receivers';
import { onlineBoutique } from '../../simulator/online-boutique';
import { exportBatch } from '../../simulator/otlp-export';
import { simulate } from '../../simulator/simulate';
import { latestRemediationTarget } from '../../store/remediation-targets';
import { loadConfig } from '../../worker/config';
import {
  demoHostedService,
  demoResourceDecorator,
  startDemoCluster,
  type DemoCluster,
} from '../../worker/demo/demo';
import { DemoWorld, demoNamespace } from '../../worker/demo/world';
import { freePort } from '../../worker/stack/ports';
import { chooseRunbook } from '../../workflows/incident/choose-runbook';
import { createIsolatedDatabase } from '../setup/database';
import { quietActivityEnvironment, quietRuntime } from '../setup/temporal';

/**
 * The demo's service on a host: its telemetry names the host, the engine resolves it to a unit
 * there and picks the SSH restart, and the real restart action over the real sshd cures the
 * world's leak.
 */
describe('demo SSH host', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let receivers: RunningReceivers;
  let cluster: DemoCluster;
  let hostDir: string;
  const activity = quietActivityEnvironment();

  beforeAll(async () => {
    quietRuntime();
    db = await createIsolatedDatabase();
    const config = loadConfig({
      DATABASE_URL: db.url,
      AIOPS_OTLP_GRPC_PORT: String(await freePort()),
      AIOPS_OTLP_HTTP_PORT: String(await freePort()),
    });
    receivers = await startReceivers({ config, pool: db.pool, tuning: { edgeWaitMs: 300 } });
    hostDir = await mkdtemp(join(tmpdir(), 'aiops-demo-host-'));
    cluster = await startDemoCluster({ hostDir });
  });
  afterAll(async () => {
    await cluster?.close();
    await receivers?.stop();
    await db?.drop();
    await rm(hostDir, { recursive: true, force: true });
  });

  it('resolves the hosted service to a unit on its host, and picks the SSH restart for it', async () => {
    const host = cluster.host!;
    expect(host.service).toBe(demoHostedService);
    expect(cluster.deps.ssh?.port).toBe(host.ssh.port);
    const start = Math.floor(Date.now() / 10_000) * 10_000 - 20_000;
    const batches = simulate({
      topology: onlineBoutique,
      seed: 3,
      start,
      durationSec: 10,
      rps: 10,
      faults: [],
      sliceSec: 10,
    });
    const endpoint = `http://127.0.0.1:${receivers.httpPort}`;
    for (const batch of batches) await exportBatch(endpoint, batch, demoResourceDecorator(host));

    const hosted = await latestRemediationTarget(db.pool, demoHostedService);
    expect(hosted).toEqual({ host: host.hostName, unit: demoHostedService });
    const deployed = await latestRemediationTarget(db.pool, 'cartservice');
    expect(deployed).toMatchObject({ namespace: demoNamespace, deployment: 'cartservice' });
    expect(deployed.unit).toBeUndefined();

    const choice = chooseRunbook(
      {
        incidentId: 'INC-demo',
        service: demoHostedService,
        ...hosted,
        rootCause: { service: demoHostedService, kind: 'saturation', score: 0.9 },
      },
      undefined,
      null,
    );
    expect(choice.entry.name).toBe('ssh-restart-unit');
  });

  it('cures the hosted service leak when the SSH restart action runs on the real sshd', async () => {
    const host = cluster.host!;
    const world = new DemoWorld(cluster.standin, onlineBoutique, {
      transientFaultMs: 60_000,
      trafficSeed: 0,
      hosted: host,
    });
    expect(cluster.standin.deployment(demoNamespace, demoHostedService)).toBeUndefined();
    expect(cluster.standin.deployment(demoNamespace, 'cartservice')).toBeDefined();
    const leak = world.inject('memory-leak', 1, Date.now(), demoHostedService);
    expect(leak.cure.kind).toBe('restart');
    expect(world.activeFaults(Date.now()).active.map((f) => f.service)).toEqual([
      demoHostedService,
    ]);

    const { sshRestartUnit } = createSshActivities({ ssh: cluster.deps.ssh });
    const result = (await activity.run(sshRestartUnit, {
      actionId: `runbook-INC-demo/${randomBytes(4).toString('hex')}/restart-unit`,
      params: { host: host.hostName, unit: demoHostedService },
    })) as Awaited<ReturnType<typeof sshRestartUnit>>;
    expect(result.summary).toBe(`restarted ${demoHostedService} on ${host.hostName}`);
    expect(host.restarts(demoHostedService)).toBe(1);

    const { active, ended } = world.activeFaults(Date.now());
    expect(active).toEqual([]);
    expect(ended.map((f) => [f.id, f.endedBy])).toEqual([
      [leak.id, 'restart of its unit over SSH'],
    ]);
  });
});
