import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DockerfileParser, type Copy, type Instruction } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = resolve(__dirname, '..', '..');

/** No Docker engine runs here: the Dockerfile is parsed and checked for what the roles rely on. */
describe('deploy/Dockerfile', () => {
  const dockerfile = DockerfileParser.parse(
    readFileSync(resolve(root, 'deploy/Dockerfile'), 'utf8'),
  );
  const instructions = dockerfile.getInstructions();
  const stages: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.getKeyword() === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  const runtime = stages.at(-1) ?? [];
  const args = (i: Instruction) => i.getArguments().map((a) => a.getValue());
  const named = (stage: Instruction[], keyword: string) =>
    stage.filter((i) => i.getKeyword() === keyword);

  it('parses with no unknown instruction', () => {
    const known = new Set([
      'FROM',
      'WORKDIR',
      'COPY',
      'RUN',
      'ENV',
      'USER',
      'EXPOSE',
      'HEALTHCHECK',
      'ENTRYPOINT',
      'CMD',
    ]);
    expect(instructions.map((i) => i.getKeyword()).filter((k) => !known.has(k))).toEqual([]);
  });

  it('is multi-stage: the build stage compiles, the runtime stage copies the result only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages[0]!;
    expect(named(build, 'RUN').map((i) => i.getArgumentsContent())).toEqual(
      expect.arrayContaining([expect.stringContaining('npm run build')]),
    );
    const copies = named(runtime, 'COPY').map((c) => ({
      from: (c as Copy).getFromFlag()?.getValue(),
      paths: args(c),
    }));
    // Everything the runtime holds comes from the build stage: compiled code, no sources.
    expect(copies.every((c) => c.from === 'build')).toBe(true);
    expect(copies.map((c) => c.paths)).toContainEqual(['/app/dist', './dist']);
    // The runtime never compiles TypeScript: no source folders, no tsx.
    expect(copies.flatMap((c) => c.paths)).not.toContain('.');
    expect(runtime.map((i) => i.getArgumentsContent() ?? '').join('\n')).not.toMatch(/\btsx\b/);
  });

  it('copies only files that exist in the repository into the build stage', () => {
    for (const copy of named(stages[0]!, 'COPY')) {
      const sources = args(copy)
        .slice(0, -1)
        .filter((a) => !a.startsWith('--'));
      for (const source of sources) expect(existsSync(resolve(root, source)), source).toBe(true);
    }
  });

  it('runs as a non-root user with a healthcheck on /healthz', () => {
    const user = named(runtime, 'USER').at(-1);
    expect(user && args(user)[0]).toMatch(/^(?!root$|0$).+/);
    const healthcheck = named(runtime, 'HEALTHCHECK').at(-1)?.getArgumentsContent() ?? '';
    expect(healthcheck).toMatch(/\/healthz/);
    expect(healthcheck).toMatch(/AIOPS_HEALTH_PORT/);
  });

  it('enters through the compiled CLI, a production role by default', () => {
    const entrypoint = named(runtime, 'ENTRYPOINT').at(-1)?.getArgumentsContent() ?? '';
    expect(JSON.parse(entrypoint)).toEqual(['node', '/app/bin/aiops.js']);
    const cmd = JSON.parse(named(runtime, 'CMD').at(-1)?.getArgumentsContent() ?? '[]') as string[];
    expect(['worker', 'ingest', 'gateway', 'setup']).toContain(cmd[0]);
  });
});

describe('deploy/compose.yaml', () => {
  const compose = parse(readFileSync(resolve(root, 'deploy/compose.yaml'), 'utf8'), {
    merge: true,
  }) as {
    services: Record<
      string,
      {
        command?: string[];
        depends_on?: Record<string, { condition: string }>;
        build?: { context: string; dockerfile: string };
      }
    >;
  };

  it('runs the engine roles beside PostgreSQL, Neo4j and Temporal', () => {
    const services = compose.services;
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining([
        'postgres',
        'neo4j',
        'temporal',
        'setup',
        'worker',
        'ingest',
        'gateway',
      ]),
    );
    for (const role of ['setup', 'worker', 'ingest', 'gateway']) {
      expect(services[role]!.command).toEqual([role]);
      const build = services[role]!.build!;
      expect(existsSync(resolve(root, 'deploy', build.context, build.dockerfile))).toBe(true);
    }
  });

  it('depends only on services it defines, and starts the roles after setup', () => {
    for (const service of Object.values(compose.services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        expect(compose.services).toHaveProperty(dependency);
      }
    }
    for (const role of ['worker', 'ingest', 'gateway']) {
      expect(compose.services[role]!.depends_on?.setup?.condition).toBe(
        'service_completed_successfully',
      );
    }
  });
});
