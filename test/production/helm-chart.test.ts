import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const chart = resolve(root, 'deploy', 'helm', 'aiops-engine');

/** Helm as .ci/run installs it (`go install helm.sh/helm/v4/cmd/helm@…` into .aiops/tools), or on PATH. */
function findHelm(): string | undefined {
  const local = resolve(root, '.aiops', 'tools', 'helm');
  if (existsSync(local)) return local;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'helm'))) return join(dir, 'helm');
  }
  return undefined;
}

const helm = findHelm();
if (!helm) {
  console.warn(
    'helm-chart tests skipped: no helm in .aiops/tools or on PATH; .ci/run builds it with `go install helm.sh/helm/v4/cmd/helm@v4.3.2`',
  );
}

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  roleRef?: { name: string };
  subjects?: { kind: string; name: string }[];
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
};

/** The chart's values matrix: what a deployment of each kind sets. */
const matrix: Record<string, Record<string, unknown>> = {
  'self-hosted Temporal, plain gRPC': {
    postgres: { url: 'postgres://aiops:pw@db:5432/aiops' },
  },
  'Temporal Cloud with an API key': {
    postgres: { url: 'postgres://aiops:pw@db:5432/aiops' },
    temporal: {
      address: 'aiops.a1b2c.tmprl.cloud:7233',
      namespace: 'aiops.a1b2c',
      apiKey: 'tmprl-key',
      tls: { enabled: true },
    },
  },
  'self-hosted Temporal with mTLS, split workers, gateway, existing Secret': {
    existingSecret: 'aiops-settings',
    temporal: {
      address: 'temporal.internal:7233',
      tls: {
        enabled: true,
        secretName: 'temporal-client-tls',
        serverName: 'temporal.internal',
        clientCertificate: true,
      },
    },
    neo4j: { uri: 'bolt://neo4j:7687' },
    worker: {
      groups: [
        { name: 'detection', queues: ['detection', 'housekeeping'], replicas: 1 },
        { name: 'incident', queues: ['incident', 'remediation'], replicas: 3 },
      ],
    },
    ingest: {
      autoscaling: { enabled: false },
      replicas: 3,
      service: { type: 'ClusterIP', grpcPort: 4317, httpPort: 4318 },
    },
    gateway: { enabled: true },
    rbac: { namespaces: ['shop', 'payments'] },
    telemetry: { otlpEndpoint: 'http://otel-collector:4318', serviceMonitor: true },
  },
};

const roles = ['worker', 'ingest', 'gateway', 'setup'];

describe.skipIf(!helm)('deploy/helm/aiops-engine', () => {
  let dir: string;
  const rendered = new Map<string, Manifest[]>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aiops-helm-'));
    for (const [name, values] of Object.entries(matrix)) {
      const file = join(dir, `${rendered.size}.json`);
      await writeFile(file, JSON.stringify(values));
      const { stdout } = await run(helm!, [
        'template',
        'aiops',
        chart,
        '--namespace',
        'aiops',
        '-f',
        file,
      ]);
      const docs = parseAllDocuments(stdout).map((d) => d.toJSON() as Manifest | null);
      rendered.set(
        name,
        docs.filter((d): d is Manifest => d !== null),
      );
    }
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each(Object.keys(matrix))('helm lint passes: %s', async (name) => {
    const file = join(dir, `${Object.keys(matrix).indexOf(name)}.json`);
    const { stdout } = await run(helm!, ['lint', chart, '--strict', '-f', file]);
    expect(stdout).toMatch(/0 chart\(s\) failed/);
  });

  it('refuses to render without a database URL or existing Secret', async () => {
    await expect(run(helm!, ['template', 'aiops', chart])).rejects.toThrow(
      /postgres.url \(or existingSecret\) is required/,
    );
  });

  it.each(Object.keys(matrix))('every workload is wired as the roles expect: %s', (name) => {
    const manifests = rendered.get(name)!;
    const byKind = (kind: string) => manifests.filter((m) => m.kind === kind);
    const configMaps = new Map(byKind('ConfigMap').map((m) => [m.metadata.name, m.data ?? {}]));
    const secrets = new Set(byKind('Secret').map((m) => m.metadata.name));
    const existingSecret = (matrix[name] as { existingSecret?: string }).existingSecret;
    if (existingSecret) secrets.add(existingSecret);
    const serviceAccounts = new Set(byKind('ServiceAccount').map((m) => m.metadata.name));
    const workloads = [...byKind('Deployment'), ...byKind('Job')];
    expect(workloads.length).toBeGreaterThan(0);
    for (const workload of workloads) {
      const pod = workload.spec.template.spec;
      const labels = workload.spec.template.metadata.labels as Record<string, string>;
      if (workload.kind === 'Deployment') {
        for (const [k, v] of Object.entries(
          workload.spec.selector.matchLabels as Record<string, string>,
        )) {
          expect(labels[k], `${workload.metadata.name} selector ${k}`).toBe(v);
        }
      }
      expect(serviceAccounts.has(pod.serviceAccountName)).toBe(true);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      const [container] = pod.containers;
      expect(roles).toContain(container.args[0]);
      expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
      for (const source of container.envFrom) {
        if (source.configMapRef) expect(configMaps.has(source.configMapRef.name)).toBe(true);
        if (source.secretRef) expect(secrets.has(source.secretRef.name)).toBe(true);
      }
      const ports = new Set((container.ports ?? []).map((p: { name: string }) => p.name));
      for (const probe of ['livenessProbe', 'readinessProbe']) {
        if (container[probe]) expect(ports.has(container[probe].httpGet.port)).toBe(true);
      }
      if (workload.kind === 'Deployment') {
        expect(container.readinessProbe.httpGet.path).toBe('/readyz');
        expect(container.livenessProbe.httpGet.path).toBe('/healthz');
      }
      const volumes = new Set(pod.volumes.map((v: { name: string }) => v.name));
      for (const mount of container.volumeMounts) expect(volumes.has(mount.name)).toBe(true);
    }
    // Every Service selects a Deployment and targets ports its container names.
    for (const service of byKind('Service')) {
      const target = byKind('Deployment').find((d) =>
        Object.entries(service.spec.selector as Record<string, string>).every(
          ([k, v]) => d.spec.template.metadata.labels[k] === v,
        ),
      );
      expect(target, service.metadata.name).toBeDefined();
      const names = new Set(
        target!.spec.template.spec.containers[0].ports.map((p: { name: string }) => p.name),
      );
      for (const port of service.spec.ports) expect(names.has(port.targetPort)).toBe(true);
    }
    for (const hpa of byKind('HorizontalPodAutoscaler')) {
      expect(byKind('Deployment').map((d) => d.metadata.name)).toContain(
        hpa.spec.scaleTargetRef.name,
      );
    }
  });

  it.each(Object.keys(matrix))('RBAC is exactly what the Kubernetes actions call: %s', (name) => {
    const manifests = rendered.get(name)!;
    const rolesRendered = manifests.filter((m) => m.kind === 'Role');
    const expected = (matrix[name] as { rbac?: { namespaces: string[] } }).rbac?.namespaces ?? [
      'aiops',
    ];
    expect(rolesRendered.map((r) => r.metadata.namespace).sort()).toEqual([...expected].sort());
    for (const role of rolesRendered) {
      expect(role.rules).toEqual([
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] },
        { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
      ]);
    }
    const accounts = manifests
      .filter((m) => m.kind === 'ServiceAccount')
      .map((m) => m.metadata.name);
    for (const binding of manifests.filter((m) => m.kind === 'RoleBinding')) {
      expect(rolesRendered.map((r) => r.metadata.name)).toContain(binding.roleRef!.name);
      for (const subject of binding.subjects!) expect(accounts).toContain(subject.name);
    }
  });

  it('worker Deployments follow the task-queue groups', () => {
    const workers = rendered
      .get('self-hosted Temporal with mTLS, split workers, gateway, existing Secret')!
      .filter(
        (m) => m.kind === 'Deployment' && m.spec.template.spec.containers[0].args[0] === 'worker',
      );
    expect(workers.map((w) => [w.spec.replicas, w.spec.template.spec.containers[0].args])).toEqual([
      [1, ['worker', '--queues', 'detection,housekeeping']],
      [3, ['worker', '--queues', 'incident,remediation']],
    ]);
  });

  it('Temporal settings reach the pods as envconfig variables', () => {
    const settings = (name: string) =>
      rendered.get(name)!.find((m) => m.kind === 'ConfigMap')!.data!;
    const cloud = settings('Temporal Cloud with an API key');
    expect(cloud).toMatchObject({
      TEMPORAL_ADDRESS: 'aiops.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'aiops.a1b2c',
      TEMPORAL_TLS: 'true',
    });
    const secret = rendered
      .get('Temporal Cloud with an API key')!
      .find((m) => m.kind === 'Secret')!;
    expect(secret.stringData).toMatchObject({ TEMPORAL_API_KEY: 'tmprl-key' });
    const mtls = settings(
      'self-hosted Temporal with mTLS, split workers, gateway, existing Secret',
    );
    expect(mtls).toMatchObject({
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/etc/aiops/temporal-tls/ca.crt',
      TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/aiops/temporal-tls/tls.crt',
      TEMPORAL_TLS_CLIENT_KEY_PATH: '/etc/aiops/temporal-tls/tls.key',
      AIOPS_TELEMETRY_OTLP_ENDPOINT: 'http://otel-collector:4318',
    });
    expect(settings('self-hosted Temporal, plain gRPC')).toMatchObject({
      AIOPS_TELEMETRY_OTLP_ENDPOINT: 'http://aiops-aiops-engine-ingest:4318',
      AIOPS_OTLP_HOST: '0.0.0.0',
      AIOPS_HEALTH_HOST: '0.0.0.0',
    });
  });

  it('setup runs as a hook after every install and upgrade', () => {
    const job = rendered.get('self-hosted Temporal, plain gRPC')!.find((m) => m.kind === 'Job')!;
    expect(job.metadata.annotations?.['helm.sh/hook']).toBe('post-install,post-upgrade');
    expect(job.spec.template.spec.containers[0].args).toEqual(['setup']);
    expect(job.spec.template.spec.restartPolicy).toBe('OnFailure');
  });
});
